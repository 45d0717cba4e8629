package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.client.CorralClient;
import io.corral.client.ImageUpload;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Killing the leader loses no acknowledged submission, and the cluster keeps serving. */
@Tag("cluster")
class FailoverClusterTest {
    @TempDir
    Path dir;

    @Test
    void leaderKillLosesNoAcknowledgedSubmissionAndNewSubmissionsSucceed() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings());
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            ImageRef ref = ImageUpload.upload(client, TestImages.png(dir, "a.png", 7, 40, 40), 50L << 20);
            List<String> acknowledged = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                acknowledged.add(submit(client, ref, "before-" + i));
            }
            String oldLeader = cluster.awaitLeader();
            cluster.stopMember(oldLeader);
            String newLeader = cluster.awaitLeader();
            assertThat(newLeader).isNotEqualTo(oldLeader);

            for (String jobId : acknowledged) {
                Response.JobDetail d =
                        client.callWithRetry(new Request.GetJob(jobId, false), Response.JobDetail.class, 20);
                assertThat(d.job().id()).isEqualTo(jobId);
            }
            String after = submit(client, ref, "after");
            assertThat(client.call(new Request.GetJob(after, false), Response.JobDetail.class)
                            .job()
                            .tasks())
                    .hasSize(1);

            cluster.startMember(oldLeader);
            long applied = cluster.member(newLeader)
                    .stateMachine()
                    .getLastAppliedTermIndex()
                    .getIndex();
            cluster.awaitApplied(applied);
        }
    }

    /** Submits with an idempotency key, retrying through failover: a retry can never create a second job. */
    static String submit(CorralClient client, ImageRef ref, String key) {
        return client.callWithRetry(
                        new Request.SubmitJob(List.of(ref), List.of("format:webp"), 0, 3, Map.of(), key),
                        Response.JobSubmitted.class,
                        20)
                .jobId();
    }
}
