package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.coordinator.cluster.LocalCluster;
import io.corral.protocol.codec.Json;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code corral cluster wait-healthy} through the real client against a real three-member cluster, as a rolling
 * restart uses it: healthy for one more stop only while all three members are up.
 */
@Tag("cluster")
class WaitHealthyEndToEndTest {
    @TempDir
    Path dir;

    @Test
    void aStoppedMemberBlocksQuorumPlusOneButNotAMajorityUntilItIsBack() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings())) {
            Map<String, String> env = Map.of(Main.COORDINATORS_ENV, cluster.rpcAddresses());

            CliRunner.Result all = CliRunner.run(
                    env, ClientSession::open, "cluster", "wait-healthy", "--quorum-plus-one", "-o", "json");
            assertThat(all.exitCode()).as(all.err()).isZero();
            JsonNode verdict = Json.mapper().readTree(all.out());
            assertThat(verdict.get("healthyMembers").asInt()).isEqualTo(3);
            assertThat(verdict.get("leaderId").asText()).isEqualTo(cluster.awaitLeader());

            String stopped = cluster.ids().stream()
                    .filter(id -> !id.equals(cluster.awaitLeader()))
                    .findFirst()
                    .orElseThrow();
            cluster.stopMember(stopped);

            assertThat(CliRunner.run(env, ClientSession::open, "cluster", "wait-healthy")
                            .exitCode())
                    .isZero();
            CliRunner.Result blocked = CliRunner.run(
                    env, ClientSession::open, "cluster", "wait-healthy", "--quorum-plus-one", "--wait-timeout", "3s");
            assertThat(blocked.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(blocked.err()).contains("cluster not healthy after 3s: " + stopped + " unreachable");

            cluster.startMember(stopped);
            CliRunner.Result back = CliRunner.run(
                    env, ClientSession::open, "cluster", "wait-healthy", "--quorum-plus-one", "--wait-timeout", "60s");
            assertThat(back.exitCode()).as(back.err()).isZero();
            assertThat(back.out()).startsWith("healthy: leader ").contains("3 of 3 members healthy, 3 needed");
        }
    }
}
