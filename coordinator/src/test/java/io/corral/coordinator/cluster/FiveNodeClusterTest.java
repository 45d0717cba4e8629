package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.client.CorralClient;
import io.corral.client.ImageUpload;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Five members tolerate two down: writes, reads, uploads and locks keep working. */
@Tag("cluster")
class FiveNodeClusterTest {
    @TempDir
    Path dir;

    @Test
    void keepsWorkingWithTwoMembersDown() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 5, LocalCluster.testSettings())) {
            String leader = cluster.awaitLeader();
            // Every member holds the leader's first entry before two go down: the three survivors are exactly a
            // majority, so the next election needs all three, and a member that has not heard from the leader yet
            // would first have to catch up.
            cluster.awaitApplied(Math.max(cluster.member(leader).raft().commitIndex(), 0));
            List<String> down = cluster.ids().stream()
                    .filter(id -> !id.equals(leader))
                    .limit(1)
                    .toList();
            cluster.stopMember(down.get(0));
            cluster.stopMember(leader);
            String survivors = String.join(
                    ",",
                    cluster.running().stream()
                            .map(c -> cluster.peer(c.raft().selfId()).rpc())
                            .toList());
            assertThat(cluster.running()).hasSize(3);
            // The survivors elect among themselves (on a loaded machine this can take longer than a client's retries).
            cluster.awaitLeader();
            try (CorralClient client = Clients.connect(survivors)) {
                ImageRef ref = ImageUpload.upload(client, TestImages.png(dir, "a.png", 5, 30, 30), 50L << 20);
                String job = FailoverClusterTest.submit(client, ref, "five");
                assertThat(client.call(new Request.GetJob(job, false), Response.JobDetail.class)
                                .job()
                                .id())
                        .isEqualTo(job);
                long token = client.call(new Request.AcquireLock("five", "me", 10_000, 0), Response.LockGranted.class)
                        .token();
                assertThat(token).isPositive();
                Response.ClusterStatus status =
                        client.call(new Request.GetClusterStatus(), Response.ClusterStatus.class);
                assertThat(status.members()).hasSize(5);
                assertThat(status.members().stream().filter(m -> !m.reachable()))
                        .hasSize(2);
            }
        }
    }
}
