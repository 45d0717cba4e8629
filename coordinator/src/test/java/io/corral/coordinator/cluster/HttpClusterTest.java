package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.coordinator.Coordinator;
import io.corral.protocol.codec.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP port of real coordinators: health follows the leader, metrics and cluster status are served. */
@Tag("cluster")
class HttpClusterTest {
    @TempDir
    Path dir;

    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    HttpResponse<String> get(Coordinator c, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + c.httpAddress().getPort() + path);
        return http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthMetricsAndClusterStatus() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings())) {
            for (Coordinator c : cluster.running()) {
                await().until(() -> get(c, "/health").statusCode() == 200);
                assertThat(get(c, "/live").statusCode()).isEqualTo(200);
            }
            Coordinator leader = cluster.leader();
            String metrics = get(leader, "/metrics").body();
            assertThat(metrics)
                    .contains("corral_raft_role{role=\"leader\"} 1")
                    .contains("corral_raft_term ")
                    .contains("corral_raft_commit_index ")
                    .contains("corral_raft_applied_index ")
                    .contains("corral_tasks{state=\"PENDING\"} 0")
                    .contains("corral_locks_held 0")
                    .contains("# TYPE corral_rpc_request_seconds histogram");
            JsonNode status = Json.mapper().readTree(get(leader, "/v1/cluster").body());
            assertThat(status.get("members")).hasSize(3);
            assertThat(status.get("leaderId").asText()).isEqualTo(leader.raft().selfId());
            assertThat(get(leader, "/nope").statusCode()).isEqualTo(404);

            // Two of three down: the survivor belongs to no cluster with a leader, and says so.
            List<String> others = cluster.ids().stream()
                    .filter(id -> !id.equals(leader.raft().selfId()))
                    .toList();
            others.forEach(cluster::stopMember);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> get(leader, "/health").statusCode() == 503);
            // But it is alive: no leader is never a reason to restart a member (a partition would restart them all).
            HttpResponse<String> live = get(leader, "/live");
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(live.body()).startsWith("alive: " + leader.raft().selfId());
        }
    }
}
