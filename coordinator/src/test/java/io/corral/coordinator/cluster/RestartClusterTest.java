package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.client.CorralClient;
import io.corral.client.ImageUpload;
import io.corral.coordinator.Coordinator;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full stop and start keeps every job, lock and image, and replays only what the store did not have. */
@Tag("cluster")
class RestartClusterTest {
    @TempDir
    Path dir;

    @Test
    void restartFromDiskKeepsTheStateAndReplaysOnlyTheTail() throws Exception {
        List<String> jobs = new ArrayList<>();
        Map<String, Long> appliedBefore = new HashMap<>();
        ImageRef ref;
        long token;
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings());
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            ref = ImageUpload.upload(client, TestImages.png(dir, "a.png", 3, 50, 50), 50L << 20);
            for (int i = 0; i < 10; i++) {
                jobs.add(FailoverClusterTest.submit(client, ref, "k" + i));
            }
            token = client.call(new Request.AcquireLock("restart-lock", "me", 3_600_000, 0), Response.LockGranted.class)
                    .token();
            long last =
                    cluster.leader().stateMachine().getLastAppliedTermIndex().getIndex();
            cluster.awaitApplied(last);
            for (Coordinator c : cluster.running()) {
                appliedBefore.put(
                        c.raft().selfId(), c.stateMachine().store().applied().index());
            }
        }
        try (LocalCluster cluster = LocalCluster.restart(dir.resolve("c"), 3, LocalCluster.testSettings());
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            for (String job : jobs) {
                assertThat(client.callWithRetry(new Request.GetJob(job, false), Response.JobDetail.class, 20)
                                .job()
                                .tasks())
                        .hasSize(1);
            }
            Response.LockDetail lock =
                    client.call(new Request.GetLock("restart-lock", false), Response.LockDetail.class);
            assertThat(lock.lock().token()).isEqualTo(token);
            for (Coordinator c : cluster.running()) {
                assertThat(c.stateMachine().getLatestSnapshot().getIndex())
                        .as(
                                "%s starts from the applied mark in its store",
                                c.raft().selfId())
                        .isGreaterThanOrEqualTo(appliedBefore.get(c.raft().selfId()));
                assertThat(c.stateMachine().entriesAppliedSinceStart())
                        .as(
                                "%s replays nothing it had already applied",
                                c.raft().selfId())
                        .isZero();
                byte[] blob = c.stateMachine()
                        .core()
                        .readBlob(c.stateMachine().store().view(), ref.sha256());
                assertThat(blob).hasSize((int) ref.size());
            }
        }
    }
}
