package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.client.CorralClient;
import io.corral.client.ImageUpload;
import io.corral.coordinator.Coordinator;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member kept down while the others snapshot and purge their logs past it catches up by installing a checkpoint
 * from the leader: wiped (no data at all) or merely behind.
 */
@Tag("cluster")
class SnapshotInstallClusterTest {
    @TempDir
    Path dir;

    static Map<String, String> settings() {
        Map<String, String> s = LocalCluster.testSettings();
        // Small segments so that the log rolls and purges after a few hundred entries.
        s.put("raft.segmentSizeBytes", "32768");
        return s;
    }

    @Test
    void wipedFollowerComesBackBySnapshotInstallImagesIncluded() throws Exception {
        runScenario(true);
    }

    @Test
    void laggingFollowerBehindThePurgedLogInstallsASnapshot() throws Exception {
        runScenario(false);
    }

    private void runScenario(boolean wipe) throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings());
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            String leader = cluster.awaitLeader();
            String lagging = cluster.ids().stream()
                    .filter(id -> !id.equals(leader))
                    .findFirst()
                    .orElseThrow();
            ImageRef early = ImageUpload.upload(client, TestImages.png(dir, "early.png", 1, 30, 30), 50L << 20);
            String earlyJob = FailoverClusterTest.submit(client, early, "early");
            cluster.stopMember(lagging);
            if (wipe) {
                cluster.wipeMember(lagging);
            }

            // About 1.5 MiB: two chunks, so the install must carry multi-chunk images.
            Path big = TestImages.noisyPng(dir, "big.png", 2, 700, 700);
            ImageRef bigRef = ImageUpload.upload(client, big, 50L << 20);
            List<String> jobs = new ArrayList<>();
            jobs.add(FailoverClusterTest.submit(client, bigRef, "big"));
            for (int i = 0; i < 300; i++) {
                long token = client.call(new Request.AcquireLock("churn", "t", 60_000, 0), Response.LockGranted.class)
                        .token();
                client.call(new Request.ReleaseLock("churn", token), Response.LockReleased.class);
            }
            long applied = cluster.member(cluster.awaitLeader())
                    .stateMachine()
                    .getLastAppliedTermIndex()
                    .getIndex();
            cluster.awaitApplied(applied);
            for (Coordinator c : cluster.running()) {
                c.raft().takeSnapshot();
            }
            long firstInLog = cluster.member(cluster.awaitLeader()).raft().firstLogIndex();
            assertThat(firstInLog).as("the leader purged its log").isGreaterThan(5);

            Coordinator back = cluster.startMember(lagging);
            long target = cluster.member(cluster.awaitLeader())
                    .stateMachine()
                    .getLastAppliedTermIndex()
                    .getIndex();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> back.stateMachine().getLastAppliedTermIndex().getIndex() >= target);

            assertThat(Files.list(dir.resolve("c").resolve(lagging).resolve("state"))
                            .count())
                    .isPositive();
            byte[] bigStored = back.stateMachine()
                    .core()
                    .readBlob(back.stateMachine().store().view(), bigRef.sha256());
            assertThat(bigStored).isEqualTo(Files.readAllBytes(big));
            assertThat(back.stateMachine()
                            .core()
                            .readBlob(back.stateMachine().store().view(), early.sha256()))
                    .hasSize((int) early.size());
            try (CorralClient direct = Clients.connect(cluster.peer(lagging).rpc())) {
                for (String job : List.of(earlyJob, jobs.get(0))) {
                    assertThat(direct.call(new Request.GetJob(job, true), Response.JobDetail.class)
                                    .job()
                                    .id())
                            .isEqualTo(job);
                }
            }
        }
    }
}
