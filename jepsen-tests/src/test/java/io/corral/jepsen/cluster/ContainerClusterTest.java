package io.corral.jepsen.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.HostPort;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The harness's cluster in containers: it forms, elects a leader, and survives a kill and restart of the leader. */
@Tag("docker")
class ContainerClusterTest {
    static Path repositoryRoot() {
        return Path.of(System.getProperty("corral.root", "..")).toAbsolutePath().normalize();
    }

    @Test
    void formsElectsAndSurvivesTheLeaderKilledAndRestarted() throws Exception {
        ClusterSpec spec = new ClusterSpec(
                3,
                2,
                2,
                NodeImage.HOST_JDK,
                repositoryRoot(),
                Path.of("target/jepsen/ContainerClusterTest"),
                Map.of(),
                "-Xmx256m -XX:+UseSerialGC");
        try (ContainerCluster cluster = ContainerCluster.start(spec);
                CorralClient client = await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500))
                        .ignoreExceptions()
                        .until(
                                () -> CorralClient.connect(
                                        ClientOptions.builder(HostPort.parseList(cluster.rpcAddresses()))
                                                .token(cluster.tokens().admin())
                                                .build()),
                                c -> c != null)) {
            String leader = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .until(() -> leaderOf(client), l -> l != null);
            Node n = cluster.node(leader);
            n.kill();
            assertThat(n.running()).isFalse();
            String next = await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(300))
                    .ignoreExceptions()
                    .until(() -> leaderOf(client), l -> l != null && !l.equals(leader));
            assertThat(next).isNotEqualTo(leader);
            n.start();
            await().atMost(Duration.ofSeconds(60)).until(n::running);
        }
    }

    /** The member that says it leads, in the highest term any member reports; null when none does. */
    static String leaderOf(CorralClient client) {
        Response.ClusterStatus s = client.call(new Request.GetClusterStatus(), Response.ClusterStatus.class);
        return s.members().stream()
                .filter(m -> m.reachable() && "LEADER".equals(m.role()))
                .max(java.util.Comparator.comparingLong(MemberStatus::term))
                .map(MemberStatus::id)
                .orElse(null);
    }
}
