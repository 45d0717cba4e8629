package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.coordinator.Coordinator;
import io.corral.coordinator.cluster.LocalCluster;
import io.corral.coordinator.state.Command;
import io.corral.protocol.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that cannot commit although it hears a leader says so everywhere an operator or a supervisor looks: its
 * health (the systemd watchdog), {@code /health}, its status in {@code corral cluster status}, the metrics. The write
 * path is broken on purpose with the test fault {@code sticky-write-failure}; a member with no leader in sight is not
 * called unhealthy, however long its writes fail.
 */
@Tag("cluster")
class WriteHealthClusterTest {
    static final long STALL_MS = 2_000;

    @TempDir
    Path dir;

    static Map<String, String> settings(boolean broken) {
        Map<String, String> s = LocalCluster.testSettings();
        s.put("raft.requestTimeoutMs", "1000");
        s.put("health.writeStallMs", Long.toString(STALL_MS));
        s.put("health.writeProbeIntervalMs", "200");
        if (broken) {
            s.put("testing.faults", "[sticky-write-failure]");
        }
        return s;
    }

    @Test
    void aMemberThatCannotCommitWithALeaderInSightIsUnhealthyEverywhere() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings(true))) {
            Outage outage = Outage.ofAFollower(cluster);
            Coordinator s = outage.survivor();
            outage.stopOthers();
            assertThat(submit(s)).isInstanceOf(Response.ErrorReply.class);

            // No leader in sight: the failing writes (probes included) are not held against the member.
            await().during(Duration.ofMillis(STALL_MS + 500))
                    .atMost(Duration.ofMillis(STALL_MS + 2_000))
                    .until(() -> s.raft().writeHealth().healthy() && s.health().healthy());

            outage.startOthers();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !s.raft().writeHealth().healthy());
            String problem = s.raft().writeHealth().problem();
            assertThat(problem).startsWith("cannot commit: every write for").contains("is reachable");
            assertThat(s.health().healthy()).isFalse();
            assertThat(s.health().problem()).contains("cannot commit");
            assertThat(s.raft().status().error()).isEqualTo(problem);
            HttpResponse<String> health = get(s, "/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).contains("cannot commit");
            assertThat(get(s, "/metrics").body()).contains("corral_raft_write_healthy 0");
        }
    }

    @Test
    void aMemberWhoseWritePathHealsIsHealthyAgain() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings(false))) {
            Outage outage = Outage.ofAFollower(cluster);
            Coordinator s = outage.survivor();
            outage.stopOthers();
            assertThat(submit(s)).isInstanceOf(Response.ErrorReply.class);
            assertThat(s.raft().writeOutcomes().stalledSinceMs()).isNotNegative();
            outage.startOthers();

            // Nobody writes through the survivor: its probes find the write path working and end the stall.
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> s.raft().writeOutcomes().stalledSinceMs() < 0);
            assertThat(s.raft().writeHealth().healthy()).isTrue();
            assertThat(s.health().healthy()).isTrue();
            assertThat(get(s, "/metrics").body()).contains("corral_raft_write_healthy 1");
        }
    }

    private static Response submit(Coordinator c) throws Exception {
        return c.raft()
                .submit(new Command.AcquireLock("probe-" + System.nanoTime(), "o", 60_000, 0))
                .get(30, TimeUnit.SECONDS);
    }

    private static HttpResponse<String> get(Coordinator c, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + c.httpAddress().getPort() + path);
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }
}
