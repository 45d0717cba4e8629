package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.client.CorralClient;
import io.corral.client.ImageUpload;
import io.corral.protocol.ImageRef;
import io.corral.protocol.LeaseGrant;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where an idle worker's grant is committed, by where the worker and the submitter are connected. A grant in the
 * submission's own entry has the job's sequence number (the entry's index) as its token; a grant one commit later has
 * a greater one.
 */
@Tag("cluster")
class DispatchPlacementClusterTest {
    @TempDir
    Path dir;

    @Test
    void grantsRideInTheSubmissionsEntryForWorkersOnTheSubmittersMemberAndOnTheLeader() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings())) {
            String leader = cluster.awaitLeader();
            List<String> followers =
                    cluster.ids().stream().filter(id -> !id.equals(leader)).toList();
            String submitterAt = followers.get(0);
            String elsewhere = followers.get(1);
            try (CorralClient client = Clients.connect(cluster.peer(submitterAt).rpc())) {
                ImageRef input = ImageUpload.upload(client, TestImages.png(dir, "in.png", 1, 40, 30), 50L << 20);

                // The worker on the member the submission goes through: its grant is in the submission's entry.
                try (TestWorker worker =
                        new TestWorker("on-submitter", cluster.peer(submitterAt).rpc()).register(1)) {
                    String jobId = FailoverClusterTest.submit(client, input, "a");
                    finish(worker, assertSameEntry(worker.nextOffer(10), jobId));
                }
                // The worker on the leader: the leader adds its grant when it stamps the entry.
                try (TestWorker worker =
                        new TestWorker("on-leader", cluster.peer(leader).rpc()).register(1)) {
                    String jobId = FailoverClusterTest.submit(client, input, "b");
                    finish(worker, assertSameEntry(worker.nextOffer(10), jobId));
                }
                // A worker on the third member is offered the task by its own member's round: one commit later.
                try (TestWorker worker =
                        new TestWorker("elsewhere", cluster.peer(elsewhere).rpc()).register(1)) {
                    String jobId = FailoverClusterTest.submit(client, input, "c");
                    LeaseGrant g = worker.nextOffer(10);
                    assertThat(g.jobId()).isEqualTo(jobId);
                    assertThat(g.token()).isGreaterThan(seq(jobId));
                    finish(worker, g);
                }
                // Both: one task each, one entry.
                try (TestWorker onSubmitter =
                                new TestWorker("s2", cluster.peer(submitterAt).rpc()).register(1);
                        TestWorker onLeader =
                                new TestWorker("l2", cluster.peer(leader).rpc()).register(1)) {
                    String jobId = client.call(
                                    new io.corral.protocol.Request.SubmitJob(
                                            List.of(input, input), List.of("format:webp"), 0, 3, Map.of(), "d"),
                                    io.corral.protocol.Response.JobSubmitted.class)
                            .jobId();
                    LeaseGrant a = onSubmitter.nextOffer(10);
                    LeaseGrant b = onLeader.nextOffer(10);
                    assertSameEntry(a, jobId);
                    assertSameEntry(b, jobId);
                    assertThat(a.taskId()).isNotEqualTo(b.taskId());
                }
            }
        }
    }

    private static LeaseGrant assertSameEntry(LeaseGrant g, String jobId) {
        assertThat(g.jobId()).isEqualTo(jobId);
        assertThat(g.token()).as("granted in the submission's entry").isEqualTo(seq(jobId));
        return g;
    }

    private static long seq(String jobId) {
        return Long.parseLong(jobId.substring("job-".length()));
    }

    /** Completes the task so that the queue is empty for the next case. */
    private void finish(TestWorker worker, LeaseGrant g) throws Exception {
        assertThat(worker.complete(g, TestImages.png(dir, "out.png", 2, 20, 15)))
                .isInstanceOf(io.corral.protocol.Response.TaskUpdated.class);
    }
}
