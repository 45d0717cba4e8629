package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.client.CorralClient;
import io.corral.client.ImageUpload;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobState;
import io.corral.protocol.JobView;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.LeaseRef;
import io.corral.protocol.LeaseStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import io.corral.protocol.TaskView;
import io.corral.protocol.UnreachableMember;
import io.corral.protocol.WorkerView;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator side of the worker protocol through real Raft: offers pushed without polling, downloads, results,
 * fencing of stale tokens, expiry and re-dispatch, revocation, and the lease grace after a leader failover. The
 * workers are made of the real client library ({@link TestWorker}).
 */
@Tag("cluster")
class WorkerClusterTest {
    @TempDir
    Path dir;

    @Test
    void offerIsPushedInputDownloadedResultCommittedAndCancelRevokes() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings(Map.of()));
                CorralClient client = Clients.connect(cluster.rpcAddresses());
                TestWorker worker = new TestWorker("w1", cluster.rpcAddresses()).register(2)) {
            assertThat(worker.registration.leaseTtlMs()).isEqualTo(5_000);
            assertThat(worker.registration.heartbeatIntervalMs()).isEqualTo(5_000 / 3);
            ImageRef input = ImageUpload.upload(client, TestImages.png(dir, "in.png", 1, 40, 30), 50L << 20);
            String jobId = FailoverClusterTest.submit(client, input, "job-a");

            LeaseGrant g = worker.nextOffer(10);
            assertThat(g.jobId()).isEqualTo(jobId);
            assertThat(g.imageSha256()).isEqualTo(input.sha256());
            assertThat(g.operations()).containsExactly("format:webp");
            byte[] bytes = worker.download(g.imageSha256());
            assertThat(bytes).hasSize((int) g.imageSize());
            assertThat(sha256(bytes)).isEqualTo(g.imageSha256());

            Response.HeartbeatAck ack = worker.heartbeat(List.of(g), 1);
            assertThat(ack.stale()).isEmpty();
            assertThat(ack.extended()).singleElement().satisfies(l -> assertThat(l.token())
                    .isEqualTo(g.token()));
            assertThat(worker.client
                            .call(
                                    new Request.ReportProgress(g.taskId(), g.token(), 50, "half"),
                                    Response.TaskUpdated.class)
                            .state())
                    .isEqualTo(TaskState.LEASED);
            Response done = worker.complete(g, TestImages.png(dir, "out.png", 2, 20, 15));
            assertThat(done).isEqualTo(new Response.TaskUpdated(g.taskId(), TaskState.SUCCEEDED));
            assertThat(job(client, jobId).state()).isEqualTo(JobState.SUCCEEDED);

            // The same token again, and an older one: both stale now, and nothing changes.
            assertThat(worker.complete(g, TestImages.png(dir, "out2.png", 3, 20, 15)))
                    .isInstanceOfSatisfying(
                            Response.ErrorReply.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STALE_LEASE));
            assertThat(job(client, jobId).tasks().get(0).state()).isEqualTo(TaskState.SUCCEEDED);

            String second = FailoverClusterTest.submit(client, input, "job-b");
            LeaseGrant leased = worker.nextOffer(10);
            assertThat(leased.jobId()).isEqualTo(second);
            client.call(new Request.CancelJob(second), Response.class);
            Response.LeaseRevoked revoked = worker.revoked.poll(10, TimeUnit.SECONDS);
            assertThat(revoked).isEqualTo(new Response.LeaseRevoked(leased.taskId(), leased.token()));
        }
    }

    /**
     * Issue 11: worker B, knowing A's fencing token, completed A's task with its own result and failed A's tasks. Now
     * every lease command is B's by its connection, whatever it says, and only the holder's is applied.
     */
    @Test
    void anotherWorkerCannotCompleteFailOrReportOnALeaseItDoesNotHold() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings(Map.of()));
                CorralClient client = Clients.connect(cluster.rpcAddresses());
                TestWorker a = new TestWorker("wa", cluster.rpcAddresses()).register(1);
                TestWorker b = new TestWorker("wb", cluster.rpcAddresses()).register(0)) {
            ImageRef input = ImageUpload.upload(client, TestImages.png(dir, "in.png", 1, 40, 30), 50L << 20);
            String jobId = FailoverClusterTest.submit(client, input, "job-a");
            LeaseGrant g = a.nextOffer(10);

            Response stolen = b.complete(g, TestImages.png(dir, "b.png", 2, 20, 15));
            Response failed = b.client
                    .send(new Request.FailTask(g.taskId(), g.token(), "nope", false))
                    .join();
            Response progress = b.client
                    .send(new Request.ReportProgress(g.taskId(), g.token(), 9, "x"))
                    .join();

            for (Response r : List.of(stolen, failed, progress)) {
                assertThat(r)
                        .isEqualTo(new Response.ErrorReply(
                                ErrorCode.STALE_LEASE, "task " + g.taskId() + " is not leased to worker 'wb'"));
            }
            assertThat(job(client, jobId).tasks().get(0).state()).isEqualTo(TaskState.LEASED);
            assertThat(a.complete(g, TestImages.png(dir, "a.png", 3, 20, 15)))
                    .isEqualTo(new Response.TaskUpdated(g.taskId(), TaskState.SUCCEEDED));
        }
    }

    /** A lease command on a connection where no worker registered is refused (retryable: register, then retry). */
    @Test
    void aLeaseCommandWithoutARegisteredWorkerIsRefused() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings(Map.of()));
                CorralClient client = Clients.connect(cluster.rpcAddresses());
                TestWorker a = new TestWorker("wa", cluster.rpcAddresses()).register(1)) {
            ImageRef input = ImageUpload.upload(client, TestImages.png(dir, "in.png", 1, 40, 30), 50L << 20);
            FailoverClusterTest.submit(client, input, "job-a");
            LeaseGrant g = a.nextOffer(10);

            Response answer = client.send(new Request.ReportProgress(g.taskId(), g.token(), 9, "x"))
                    .join();

            assertThat(answer)
                    .isEqualTo(new Response.ErrorReply(
                            ErrorCode.UNAVAILABLE,
                            "no worker is registered on this connection (yet); send RegisterWorker first"));
        }
    }

    @Test
    void leaseOfASilentWorkerExpiresAndGoesToAnotherWorkerWithAGreaterToken() throws Exception {
        Map<String, String> s = settings(Map.of(
                "workers.leaseTtlMs", "2000",
                "workers.retryBackoffBaseMs", "200",
                "workers.retryBackoffCapMs", "400"));
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, s);
                CorralClient client = Clients.connect(cluster.rpcAddresses());
                TestWorker silent = new TestWorker("silent", cluster.rpcAddresses()).register(1)) {
            ImageRef input = ImageUpload.upload(client, TestImages.png(dir, "in.png", 4, 40, 30), 50L << 20);
            String jobId = FailoverClusterTest.submit(client, input, "job-x");
            LeaseGrant first = silent.nextOffer(10);

            try (TestWorker other = new TestWorker("other", cluster.rpcAddresses()).register(1)) {
                // "silent" never heartbeats: the leader expires its lease, backs off, and offers the task again.
                LeaseGrant second = other.nextOffer(20);
                assertThat(second.taskId()).isEqualTo(first.taskId());
                assertThat(second.token()).isGreaterThan(first.token());
                TaskView task = job(client, jobId).tasks().get(0);
                assertThat(task.state()).isEqualTo(TaskState.LEASED);
                assertThat(task.attempts()).isEqualTo(2);

                Response late = silent.complete(first, TestImages.png(dir, "late.png", 5, 20, 15));
                assertThat(late).isInstanceOfSatisfying(Response.ErrorReply.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.STALE_LEASE));
                assertThat(silent.heartbeat(List.of(first), 1).stale()).hasSize(1);

                assertThat(other.complete(second, TestImages.png(dir, "ok.png", 6, 20, 15)))
                        .isEqualTo(new Response.TaskUpdated(second.taskId(), TaskState.SUCCEEDED));
                assertThat(job(client, jobId).state()).isEqualTo(JobState.SUCCEEDED);
            }
        }
    }

    @Test
    void leaseSurvivesALeaderFailoverThroughTheGraceAndCompletes() throws Exception {
        Map<String, String> s = settings(Map.of("workers.leaseTtlMs", "3000", "workers.failoverGraceMs", "30000"));
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, s);
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            String oldLeader = cluster.awaitLeader();
            String follower = cluster.ids().stream()
                    .filter(id -> !id.equals(oldLeader))
                    .findFirst()
                    .orElseThrow();
            // Connected to a member that survives, so the worker's session (and its registration) lives on.
            try (TestWorker worker = new TestWorker("w1", cluster.peer(follower).rpc()).register(1)) {
                ImageRef input = ImageUpload.upload(client, TestImages.png(dir, "in.png", 7, 40, 30), 50L << 20);
                String jobId = FailoverClusterTest.submit(client, input, "job-f");
                LeaseGrant g = worker.nextOffer(10);

                cluster.stopMember(oldLeader);
                assertThat(cluster.awaitLeader()).isNotEqualTo(oldLeader);
                // Past the lease's original expiry, with no heartbeat in between: only the grace keeps it alive.
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> System.currentTimeMillis() > g.expiresAtMs() + 1_000);
                TaskView task = job(client, jobId).tasks().get(0);
                assertThat(task.state()).isEqualTo(TaskState.LEASED);
                assertThat(task.attempts()).isEqualTo(1);

                assertThat(worker.complete(g, TestImages.png(dir, "out.png", 8, 20, 15)))
                        .isEqualTo(new Response.TaskUpdated(g.taskId(), TaskState.SUCCEEDED));
                assertThat(job(client, jobId).state()).isEqualTo(JobState.SUCCEEDED);
            }
        }
    }

    @Test
    void anOfferTheWorkerNeverSawIsOfferedAgainWithTheSameTokenAndCompletesOnItsFirstAttempt() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings(Map.of()));
                CorralClient client = Clients.connect(cluster.rpcAddresses());
                TestWorker worker = new TestWorker("w1", cluster.rpcAddresses()).register(1)) {
            ImageRef input = ImageUpload.upload(client, TestImages.png(dir, "in.png", 4, 40, 30), 50L << 20);
            String jobId = FailoverClusterTest.submit(client, input, "job-lost");
            LeaseGrant lost = worker.nextOffer(10);
            // The push is lost on the way: the worker heartbeats without it, as if it had never arrived.
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> {
                        worker.heartbeat(List.of(), 1);
                        assertThat(worker.offers).isNotEmpty();
                    });
            LeaseGrant again = worker.nextOffer(1);
            assertThat(again.taskId()).isEqualTo(lost.taskId());
            assertThat(again.token()).isEqualTo(lost.token());
            assertThat(again.operations()).isEqualTo(lost.operations());
            assertThat(worker.heartbeat(List.of(again), 0).stale()).isEmpty();
            assertThat(worker.complete(again, TestImages.png(dir, "out.png", 5, 20, 15)))
                    .isEqualTo(new Response.TaskUpdated(again.taskId(), TaskState.SUCCEEDED));
            TaskView task = job(client, jobId).tasks().get(0);
            assertThat(task.state()).isEqualTo(TaskState.SUCCEEDED);
            assertThat(task.attempts()).isEqualTo(1);
        }
    }

    /**
     * A worker's one slot still runs a task whose lease was revoked (the job was cancelled; the task has not stopped
     * yet), so it gives back the next offer. The coordinator took the revocation as a free slot; it must not take the
     * give-back as one too and offer the task again at once, round after round (each round a grant and a release
     * entry, about 20 a second), but wait until a heartbeat says a slot is free.
     */
    @Test
    void anOfferGivenBackForWantOfASlotIsOfferedAgainOnlyOnceAHeartbeatSaysASlotIsFree() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings(Map.of()));
                CorralClient client = Clients.connect(cluster.rpcAddresses());
                TestWorker worker = new TestWorker("w1", cluster.rpcAddresses()).register(1)) {
            ImageRef input = ImageUpload.upload(client, TestImages.png(dir, "in.png", 6, 40, 30), 50L << 20);
            String cancelled = FailoverClusterTest.submit(client, input, "job-cancelled");
            LeaseGrant running = worker.nextOffer(10);
            client.call(new Request.CancelJob(cancelled), Response.class);
            assertThat(worker.revoked.poll(10, TimeUnit.SECONDS))
                    .isEqualTo(new Response.LeaseRevoked(running.taskId(), running.token()));

            FailoverClusterTest.submit(client, input, "job-next");
            LeaseGrant offered = worker.nextOffer(10);
            Response.LeasesReleased given = worker.client.call(
                    new Request.ReleaseLeases(worker.id, List.of(new LeaseRef(offered.taskId(), offered.token()))),
                    Response.LeasesReleased.class);
            assertThat(given.released()).extracting(LeaseStatus::taskId).containsExactly(offered.taskId());
            worker.heartbeat(List.of(), 0);

            // Before the fix the task came back within milliseconds of every give-back.
            assertThat(worker.offers.poll(2, TimeUnit.SECONDS)).isNull();

            worker.heartbeat(List.of(), 1);
            LeaseGrant again = worker.nextOffer(10);
            assertThat(again.taskId()).isEqualTo(offered.taskId());
            assertThat(again.token()).isGreaterThan(offered.token());
        }
    }

    @Test
    void listWorkersThroughAnotherCoordinatorShowsTheWorkerWithItsSlotsAndLeases() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings(Map.of()))) {
            String home = cluster.ids().get(0);
            String other = cluster.ids().get(1);
            long before = System.currentTimeMillis();
            try (TestWorker worker = new TestWorker("w1", cluster.peer(home).rpc()).register(3);
                    TestWorker drained = new TestWorker("w0", cluster.peer(home).rpc()).register(0);
                    CorralClient client = Clients.connect(cluster.peer(other).rpc())) {
                ImageRef input = ImageUpload.upload(client, TestImages.png(dir, "in.png", 9, 40, 30), 50L << 20);
                String jobId = FailoverClusterTest.submit(client, input, "job-w");
                LeaseGrant g = worker.nextOffer(10);
                worker.heartbeat(List.of(g), 2);

                // Leases are read from the state applied on the worker's coordinator: await that member catching up.
                Response.WorkerList list = await().atMost(Duration.ofSeconds(10))
                        .until(
                                () -> client.call(new Request.ListWorkers(), Response.WorkerList.class),
                                l -> l.workers().stream().anyMatch(w -> w.leaseCount() == 1));

                assertThat(list.unreachable()).isEmpty();
                assertThat(list.workers()).extracting(WorkerView::workerId).containsExactly("w0", "w1");
                WorkerView w = list.workers().get(1);
                assertThat(w.coordinatorId()).isEqualTo(home);
                assertThat(w.slots()).isEqualTo(3);
                assertThat(w.freeSlots()).isEqualTo(2);
                assertThat(w.leaseCount()).isEqualTo(1);
                assertThat(w.leases()).containsExactly(g.taskId());
                assertThat(w.draining()).isFalse();
                assertThat(w.connectedAtMs()).isBetween(before, System.currentTimeMillis());
                assertThat(w.lastHeartbeatMs()).isBetween(w.connectedAtMs(), System.currentTimeMillis());
                assertThat(list.workers().get(0).draining()).isTrue();
                assertThat(jobId).isEqualTo(g.jobId());

                // The member asked answers for its own workers only: none are connected to it.
                assertThat(client.call(new Request.GetLocalWorkers(), Response.LocalWorkers.class))
                        .isEqualTo(new Response.LocalWorkers(other, List.of()));
            }
        }
    }

    @Test
    void aStoppedMemberIsReportedUnreachableAndTheOthersStillAnswer() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings(Map.of()))) {
            cluster.awaitLeader();
            String home = cluster.ids().get(0);
            String down = cluster.ids().get(2);
            try (TestWorker worker = new TestWorker("w1", cluster.peer(home).rpc()).register(1);
                    CorralClient client =
                            Clients.connect(cluster.peer(cluster.ids().get(1)).rpc())) {
                cluster.stopMember(down);
                Response.WorkerList list = client.call(new Request.ListWorkers(), Response.WorkerList.class);
                assertThat(list.workers()).extracting(WorkerView::workerId).containsExactly("w1");
                assertThat(list.unreachable()).extracting(UnreachableMember::id).containsExactly(down);
            }
        }
    }

    private static Map<String, String> settings(Map<String, String> extra) {
        Map<String, String> s = LocalCluster.testSettings();
        s.put("workers.leaseTtlMs", "5000");
        s.putAll(extra);
        return s;
    }

    private static JobView job(CorralClient client, String jobId) {
        return client.callWithRetry(new Request.GetJob(jobId, false), Response.JobDetail.class, 20)
                .job();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
