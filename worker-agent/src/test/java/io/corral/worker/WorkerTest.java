package io.corral.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.protocol.LeaseGrant;
import io.corral.protocol.LeaseRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.worker.pipeline.ImagePipeline;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The worker against {@link FakeCluster}: the task flow, slot accounting, fencing, timeout and drain. */
class WorkerTest {
    private final FakeCluster cluster = new FakeCluster();
    private Worker worker;

    @AfterEach
    void stop() {
        if (worker != null) {
            worker.close();
        }
    }

    private Worker worker(int slots, long taskTimeoutMs) {
        return worker(slots, taskTimeoutMs, 0);
    }

    private Worker worker(int slots, long taskTimeoutMs, long progressIntervalMs) {
        WorkerConfig config = new WorkerConfig(
                List.of("localhost:7201"),
                "w1",
                slots,
                List.of(),
                "unused",
                60_000,
                taskTimeoutMs,
                progressIntervalMs,
                5_000,
                WorkerConfig.Pipeline.defaults(),
                false);
        worker = new Worker(config, "w1", cluster, ImagePipeline.withDefaults(), System::currentTimeMillis);
        return worker;
    }

    private static byte[] png(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void offer(LeaseGrant... grants) {
        cluster.push(new Response.LeaseOffer(List.of(grants)));
    }

    private static LeaseRef ref(LeaseGrant g) {
        return new LeaseRef(g.taskId(), g.token());
    }

    @Test
    void runsALeasedTaskAndCompletesItWithTheUploadedResult() throws Exception {
        worker(2, 60_000);
        LeaseGrant g = cluster.grant("job-1.0", png(200, 100), "thumbnail:64", "format:png");
        offer(g);

        await().atMost(Duration.ofSeconds(20))
                .until(() -> !cluster.sent(Request.CompleteTask.class).isEmpty());
        Request.CompleteTask done = cluster.sent(Request.CompleteTask.class).get(0);
        assertThat(done.taskId()).isEqualTo("job-1.0");
        assertThat(done.token()).isEqualTo(g.token());
        byte[] result = cluster.blobs.get(done.resultSha256());
        assertThat(result).hasSize((int) done.resultSize());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(result));
        assertThat(image.getWidth()).isEqualTo(64);
        assertThat(image.getHeight()).isEqualTo(32);
        await().until(() -> worker.busySlots() == 0);
        assertThat(cluster.sent(Request.FailTask.class)).isEmpty();
    }

    @Test
    void aTaskDoneWithinTheProgressIntervalReportsOnlyItsCompletion() {
        worker(1, 60_000, 3_600_000);
        offer(cluster.grant("job-1.0", png(200, 100), "thumbnail:64", "format:png"));

        await().atMost(Duration.ofSeconds(20))
                .until(() -> !cluster.sent(Request.CompleteTask.class).isEmpty());
        assertThat(cluster.sent(Request.ReportProgress.class)).isEmpty();
    }

    @Test
    void withoutAnIntervalEachNewPercentIsReportedInOrder() {
        worker(1, 60_000, 0);
        LeaseGrant g = cluster.grant("job-1.0", png(200, 100), "thumbnail:64", "format:png");
        offer(g);

        await().atMost(Duration.ofSeconds(20))
                .until(() -> !cluster.sent(Request.CompleteTask.class).isEmpty());
        List<Request.ReportProgress> reports = cluster.sent(Request.ReportProgress.class);
        assertThat(reports).isNotEmpty().allSatisfy(r -> assertThat(r.token()).isEqualTo(g.token()));
        assertThat(reports.stream().map(Request.ReportProgress::percent).toList())
                .isSorted()
                .doesNotHaveDuplicates();
    }

    @Test
    void offersBeyondTheFreeSlotsAreGivenBackAndHeartbeatsCountSlots() throws Exception {
        worker(1, 60_000);
        byte[] image = png(10, 10);
        LeaseGrant first = cluster.grant("job-1.0", image);
        cluster.hanging.add(first.imageSha256());
        LeaseGrant second = cluster.grant("job-1.1", png(11, 11));
        offer(first, second);

        assertThat(worker.busySlots()).isEqualTo(1);
        assertThat(worker.freeSlots()).isZero();
        assertThat(cluster.sent(Request.ReleaseLeases.class)).singleElement().satisfies(r -> assertThat(r.leases())
                .containsExactly(ref(second)));
        worker.heartbeatOnce();
        Request.Heartbeat hb = cluster.sent(Request.Heartbeat.class).get(0);
        assertThat(hb.leases()).containsExactly(ref(first));
        assertThat(hb.freeSlots()).isZero();
    }

    /**
     * After giving an offer back for want of a slot the worker is counted full until it says otherwise, so the slot
     * that frees next is reported by a heartbeat at once, not a heartbeat interval later.
     */
    @Test
    void aSlotThatFreesAfterAnOfferWasGivenBackIsReportedAtOnce() throws Exception {
        cluster.heartbeatIntervalMs = 3_600_000;
        worker(1, 60_000).start();
        await().until(() -> !cluster.sent(Request.RegisterWorker.class).isEmpty());
        LeaseGrant first = cluster.grant("job-1.0", png(10, 10));
        cluster.hanging.add(first.imageSha256());
        offer(first);
        offer(cluster.grant("job-1.1", png(11, 11)));
        await().until(() -> !cluster.sent(Request.ReleaseLeases.class).isEmpty());
        await().until(() -> cluster.sent(Request.Heartbeat.class).stream().anyMatch(h -> h.freeSlots() == 0));
        assertThat(cluster.sent(Request.Heartbeat.class))
                .allSatisfy(h -> assertThat(h.freeSlots()).isZero());

        worker.abort(first.taskId(), first.token(), "revoked");

        await().atMost(Duration.ofSeconds(10))
                .until(() -> cluster.sent(Request.Heartbeat.class).stream().anyMatch(h -> h.freeSlots() == 1));
    }

    @Test
    void anOfferOfALeaseRunningOrEndedHereIsIgnoredNotGivenBack() throws Exception {
        worker(2, 60_000);
        LeaseGrant running = cluster.grant("job-1.0", png(10, 10));
        cluster.hanging.add(running.imageSha256());
        LeaseGrant done = cluster.grant("job-1.1", png(12, 12), "format:png");
        offer(running, done);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> !cluster.sent(Request.CompleteTask.class).isEmpty());
        await().until(() -> worker.busySlots() == 1);

        // A coordinator offers both again (it believed the first offer lost, or its state lagged the completion).
        offer(running, done);

        assertThat(worker.busySlots()).isEqualTo(1);
        assertThat(cluster.sent(Request.ReleaseLeases.class)).isEmpty();
        assertThat(cluster.sent(Request.CompleteTask.class)).hasSize(1);
        worker.heartbeatOnce();
        assertThat(cluster.sent(Request.Heartbeat.class).get(0).leases()).containsExactly(ref(running));
    }

    @Test
    void aLeaseReportedStaleIsAbortedAndNothingIsReported() throws Exception {
        worker(2, 60_000);
        LeaseGrant g = cluster.grant("job-1.0", png(10, 10));
        cluster.hanging.add(g.imageSha256());
        offer(g);
        await().until(() -> !cluster.sent(Request.ReadBlobChunk.class).isEmpty());

        cluster.staleLeases.add(ref(g));
        worker.heartbeatOnce();

        await().until(() -> worker.busySlots() == 0);
        assertThat(cluster.sent(Request.CompleteTask.class)).isEmpty();
        assertThat(cluster.sent(Request.FailTask.class)).isEmpty();
        assertThat(worker.heldLeases()).isEmpty();
    }

    @Test
    void aRevocationAbortsTheTask() {
        worker(2, 60_000);
        LeaseGrant g = cluster.grant("job-1.0", png(10, 10));
        cluster.hanging.add(g.imageSha256());
        offer(g);
        await().until(() -> !cluster.sent(Request.ReadBlobChunk.class).isEmpty());

        cluster.push(new Response.LeaseRevoked(g.taskId(), g.token()));

        await().until(() -> worker.busySlots() == 0);
        assertThat(cluster.sent(Request.FailTask.class)).isEmpty();
        assertThat(cluster.sent(Request.CompleteTask.class)).isEmpty();
    }

    @Test
    void aStaleAnswerToCompleteIsDroppedNotRetried() {
        worker(1, 60_000);
        LeaseGrant g = cluster.grant("job-1.0", png(20, 20), "format:png");
        cluster.staleReports.add(g.taskId());
        offer(g);

        await().atMost(Duration.ofSeconds(20)).until(() -> worker.busySlots() == 0);
        assertThat(cluster.sent(Request.CompleteTask.class)).hasSize(1);
        assertThat(cluster.sent(Request.FailTask.class)).isEmpty();
    }

    @Test
    void aBadImageFailsForGoodAndACorruptDownloadFailsRetryable() {
        worker(2, 60_000);
        LeaseGrant text = cluster.grant("job-1.0", "not an image".getBytes(StandardCharsets.UTF_8));
        LeaseGrant good = cluster.grant("job-1.1", png(10, 10));
        LeaseGrant corrupt = new LeaseGrant(
                good.taskId(),
                good.jobId(),
                good.imageName(),
                good.imageSha256(),
                good.imageSize() + 1,
                good.operations(),
                good.taskTimeoutMs(),
                good.token(),
                0);
        offer(text, corrupt);

        await().atMost(Duration.ofSeconds(20))
                .until(() -> cluster.sent(Request.FailTask.class).size() == 2);
        assertThat(cluster.sent(Request.FailTask.class))
                .anySatisfy(f -> {
                    assertThat(f.taskId()).isEqualTo(text.taskId());
                    assertThat(f.retryable()).isFalse();
                })
                .anySatisfy(f -> {
                    assertThat(f.taskId()).isEqualTo(good.taskId());
                    assertThat(f.retryable()).isTrue();
                    assertThat(f.error()).contains("announced");
                });
        assertThat(cluster.sent(Request.CompleteTask.class)).isEmpty();
    }

    @Test
    void aTaskPastItsTimeoutIsInterruptedAndFailedRetryable() {
        worker(1, 200);
        LeaseGrant g = cluster.grant("job-1.0", png(10, 10));
        cluster.hanging.add(g.imageSha256());
        offer(g);

        await().until(() -> !cluster.sent(Request.FailTask.class).isEmpty());
        Request.FailTask f = cluster.sent(Request.FailTask.class).get(0);
        assertThat(f.retryable()).isTrue();
        assertThat(f.error()).isEqualTo("timed out after 200 ms (the worker's default task timeout)");
        await().until(() -> worker.busySlots() == 0);
        assertThat(cluster.sent(Request.FailTask.class)).hasSize(1);
    }

    @Test
    void aJobsTaskTimeoutOverridesTheWorkersDefault() {
        worker(1, 600_000);
        LeaseGrant plain = cluster.grant("job-1.0", png(10, 10));
        LeaseGrant g = new LeaseGrant(
                plain.taskId(),
                plain.jobId(),
                plain.imageName(),
                plain.imageSha256(),
                plain.imageSize(),
                plain.operations(),
                1_000,
                plain.token(),
                plain.expiresAtMs());
        cluster.hanging.add(g.imageSha256());
        offer(g);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> !cluster.sent(Request.FailTask.class).isEmpty());
        Request.FailTask f = cluster.sent(Request.FailTask.class).get(0);
        assertThat(f.taskId()).isEqualTo(g.taskId());
        assertThat(f.retryable()).isTrue();
        assertThat(f.error()).isEqualTo("timed out after 1000 ms (the job's task timeout)");
        await().until(() -> worker.busySlots() == 0);
        assertThat(cluster.sent(Request.FailTask.class)).hasSize(1);
    }

    @Test
    void drainStopsOffersAndReleasesWhatIsStillRunningAfterTheGrace() throws Exception {
        worker(2, 60_000).start();
        await().until(() -> !cluster.sent(Request.RegisterWorker.class).isEmpty());
        LeaseGrant g = cluster.grant("job-1.0", png(10, 10));
        cluster.hanging.add(g.imageSha256());
        offer(g);

        List<LeaseRef> released = worker.drain(50);

        assertThat(released).containsExactly(ref(g));
        List<Request.RegisterWorker> registrations = cluster.sent(Request.RegisterWorker.class);
        assertThat(registrations.get(registrations.size() - 1).slots()).isZero();
        assertThat(cluster.sent(Request.ReleaseLeases.class)).singleElement().satisfies(r -> assertThat(r.leases())
                .containsExactly(ref(g)));
        assertThat(cluster.sent(Request.FailTask.class)).isEmpty();
        assertThat(cluster.closed).isTrue();

        // Offers after the drain began are given back, never run.
        LeaseGrant late = cluster.grant("job-1.1", png(10, 10));
        offer(late);
        assertThat(cluster.sent(Request.ReleaseLeases.class)).hasSize(2);
    }

    @Test
    void drainLetsTasksThatFinishWithinTheGraceComplete() throws Exception {
        worker(2, 60_000);
        offer(cluster.grant("job-1.0", png(30, 30), "format:png"));

        List<LeaseRef> released = worker.drain(20_000);

        assertThat(released).isEmpty();
        assertThat(cluster.sent(Request.CompleteTask.class)).hasSize(1);
        assertThat(cluster.sent(Request.ReleaseLeases.class)).isEmpty();
    }

    /**
     * The coordinator a busy worker is connected to stops. The worker registers with the next one at once and reports
     * its leases there straight away, so they are extended through the new leader within the failover grace: before,
     * it noticed only at its next heartbeat and reported its leases a whole interval after registering again (3.3 to
     * 3.9 s through a leader stop with a 0.67 s interval, WorkerProcessFaultTest).
     */
    @Test
    void aLostConnectionIsFollowedAtOnceByARegistrationAndAHeartbeatListingTheLeases() {
        cluster.heartbeatIntervalMs = 3_600_000;
        worker(1, 60_000).start();
        await().until(() -> cluster.sent(Request.RegisterWorker.class).size() == 1);
        LeaseGrant g = cluster.grant("job-1.0", png(10, 10));
        cluster.hanging.add(g.imageSha256());
        offer(g);

        cluster.loseConnection();

        // In order: the registration with the next coordinator, then a heartbeat listing the lease.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<Request> sent = List.copyOf(cluster.requests);
            int registered = -1;
            for (int i = 0; i < sent.size(); i++) {
                if (sent.get(i) instanceof Request.RegisterWorker) {
                    registered = i;
                }
            }
            return cluster.sent(Request.RegisterWorker.class).size() == 2
                    && sent.subList(registered + 1, sent.size()).stream()
                            .anyMatch(r -> r instanceof Request.Heartbeat h
                                    && h.leases().contains(ref(g)));
        });
        assertThat(worker.busySlots()).isEqualTo(1);
    }

    @Test
    void registersAgainWhenTheClusterNoLongerKnowsTheConnection() {
        worker(1, 60_000).start();
        await().until(() -> cluster.sent(Request.RegisterWorker.class).size() == 1);

        cluster.forgetRegistration = true; // as after a reconnect to another coordinator

        await().until(() -> cluster.sent(Request.RegisterWorker.class).size() >= 2);
        await().until(() -> !cluster.forgetRegistration);
    }
}
