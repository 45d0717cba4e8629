package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.coordinator.cluster.LocalCluster;
import io.corral.coordinator.config.PeerConfig;
import io.corral.protocol.codec.Json;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code corral cluster add-peer / remove-peer / status} against real coordinators (Ratis, RocksDB, Netty). */
@Tag("cluster")
class MembershipEndToEndTest {
    @TempDir
    Path dir;

    @Test
    void addAMemberWatchItInStatusThenRemoveIt() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("cluster"), 3, LocalCluster.testSettings())) {
            Map<String, String> env = Map.of(Main.COORDINATORS_ENV, cluster.rpcAddresses());
            PeerConfig n4 = cluster.newJoiner("n4");
            cluster.startMember("n4");

            CliRunner.Result added = CliRunner.run(
                    env, ClientSession::open, "cluster", "add-peer", "n4", "--raft", n4.raft(), "--rpc", n4.rpc());
            assertThat(added.exitCode()).as(added.err()).isZero();
            assertThat(added.out()).startsWith("n4 is a voting member");
            assertThat(added.err()).contains("corral: n4: ");

            JsonNode status = json(CliRunner.run(env, ClientSession::open, "cluster", "status", "-o", "json"));
            assertThat(roles(status)).containsEntry("n4", "VOTER").hasSize(4);
            assertThat(status.get("members")).hasSize(4);
            JsonNode self = status.get("configuration").get("peers").get(3);
            assertThat(self.get("httpAddress").asText()).isEqualTo(n4.http());

            CliRunner.Result removed = CliRunner.run(env, ClientSession::open, "cluster", "remove-peer", "n4");
            assertThat(removed.exitCode()).as(removed.err()).isZero();
            assertThat(roles(json(CliRunner.run(env, ClientSession::open, "cluster", "status", "-o", "json"))))
                    .doesNotContainKey("n4")
                    .hasSize(3);

            CliRunner.Result unknown = CliRunner.run(env, ClientSession::open, "cluster", "remove-peer", "n4");
            assertThat(unknown.exitCode()).isEqualTo(ExitCodes.of(io.corral.protocol.ErrorCode.NOT_FOUND));
            assertThat(unknown.err()).contains("no member 'n4'");
        }
    }

    private static JsonNode json(CliRunner.Result r) throws Exception {
        assertThat(r.exitCode()).as(r.err()).isZero();
        return Json.mapper().readTree(r.out());
    }

    private static Map<String, String> roles(JsonNode status) {
        Map<String, String> roles = new HashMap<>();
        status.get("configuration")
                .get("peers")
                .forEach(p -> roles.put(p.get("id").asText(), p.get("role").asText()));
        return roles;
    }
}
