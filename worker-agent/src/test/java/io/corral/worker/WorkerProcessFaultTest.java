package io.corral.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.jobs.TaskRecord;
import io.corral.coordinator.state.leases.TaskDetail;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobState;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real faults on real worker processes (started from this JVM's class path) against real coordinators: a worker
 * paused (SIGSTOP) past its lease TTL and resumed cannot commit; the task is re-run by another worker whose result is
 * the one committed. A worker killed (SIGKILL) mid-task: the task is re-run elsewhere and completes once. The leader
 * killed while a task is leased: the lease survives the failover and the task completes on its first attempt. A
 * worker sent SIGTERM mid-task finishes the task, then exits 0.
 */
@Tag("cluster")
class WorkerProcessFaultTest {
    static final List<String> SLOW_OPS =
            List.of("resize:6000x6000,force", "blur:20", "sharpen", "resize:5000x5000,force", "format:png");

    @TempDir
    Path dir;

    WorkerProcesses start() throws IOException {
        return WorkerProcesses.start(dir, 3, WorkerProcesses.shortLeaseSettings());
    }

    /** A noisy image and operations heavy enough that a task runs for a moment on this machine. */
    static ImageRef slowImage(WorkerProcesses fx) throws Exception {
        BufferedImage img = new BufferedImage(1500, 1500, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(7);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, r.nextInt(0xffffff));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        return fx.upload("slow.png", png.toByteArray());
    }

    static String submit(WorkerProcesses fx, ImageRef ref, String key) {
        return fx.submit(List.of(ref), SLOW_OPS, 3, key);
    }

    @Test
    void aPausedWorkerPastItsTtlCannotCommitAndTheOtherWorkersResultStands() throws Exception {
        try (WorkerProcesses fx = start()) {
            ImageRef ref = slowImage(fx);
            fx.startWorker("w1", 1);
            String job = submit(fx, ref, "paused");
            String task = job + ".0";
            fx.awaitUntil("w1 holds " + task, Duration.ofSeconds(30), () -> fx.leasedTo(task, "w1"));
            fx.pause("w1");
            Process second = fx.startWorker("w2", 1);
            fx.awaitUntil(job + " succeeded", Duration.ofSeconds(60), () -> fx.state(job) == JobState.SUCCEEDED);
            fx.resume("w1");

            TaskRecord done = fx.detail(task).task();
            assertThat(done.result().workerId()).isEqualTo("w2");
            assertThat(done.attempts()).isEqualTo(2);
            // The resumed worker learns at its next heartbeat, or from a STALE_LEASE answer, that it lost the task.
            fx.awaitUntil("w1 logs that its lease is stale", Duration.ofSeconds(30), () -> fx.logOf("w1")
                    .matches("(?s).*(stale|STALE).*"));
            assertThat(fx.detail(task).task().result().workerId()).isEqualTo("w2");
            assertThat(second.isAlive()).isTrue();
        }
    }

    @Test
    void aWorkerKilledMidTaskHasItsTaskRerunElsewhereAndCompletedOnce() throws Exception {
        try (WorkerProcesses fx = start()) {
            ImageRef ref = slowImage(fx);
            fx.startWorker("w1", 1);
            String job = submit(fx, ref, "killed");
            String task = job + ".0";
            fx.awaitUntil("w1 holds " + task, Duration.ofSeconds(30), () -> fx.leasedTo(task, "w1"));
            fx.kill("w1");
            fx.startWorker("w2", 1);
            fx.awaitUntil(job + " succeeded", Duration.ofSeconds(60), () -> fx.state(job) == JobState.SUCCEEDED);
            TaskDetail d = fx.detail(task);
            assertThat(d.task().result().workerId()).isEqualTo("w2");
            assertThat(d.history()).hasSize(2);
            assertThat(d.history().stream().filter(a -> a.outcome().name().equals("SUCCEEDED")))
                    .hasSize(1);
        }
    }

    /**
     * The new leader's grace must outlast the failover as the worker sees it. With the 2 s TTL's grace the lease lapsed
     * 1 run in 3 to 6. Traced (2026-12-08), the cluster was not the slow part: the new leader was up and had committed
     * the worker's extension within 1.2 s of the stop, but the worker's next heartbeat arrived 2.3-2.8 s after that
     * rather than 0.67 s, while this test's deliberately heavy task (a 6000x6000 resize and blur) had the 2 cores; the
     * worker JVM's logs show, then, a GC that JNI critical sections had put off (GCLocker) and a safepoint its threads
     * took 0.37 s to reach. Production leases last 30 s with a heartbeat every 10 s, and so does their grace. Without
     * the grace the lease would still lapse here: only that entry extends it until the heartbeat arrives.
     */
    static final long FAILOVER_GRACE_MS = 10_000;

    @Test
    void theLeaderKilledWhileATaskIsLeasedLosesNothingAndExpiresNothing() throws Exception {
        Map<String, String> settings = WorkerProcesses.shortLeaseSettings();
        settings.put("workers.failoverGraceMs", Long.toString(FAILOVER_GRACE_MS));
        try (WorkerProcesses fx = WorkerProcesses.start(dir, 3, settings)) {
            ImageRef ref = slowImage(fx);
            fx.startWorker("w1", 1);
            String job = submit(fx, ref, "failover");
            String task = job + ".0";
            fx.awaitUntil("w1 holds " + task, Duration.ofSeconds(30), () -> fx.leasedTo(task, "w1"));
            fx.stopLeader();
            fx.awaitUntil(job + " succeeded", Duration.ofSeconds(60), () -> fx.state(job) == JobState.SUCCEEDED);
            TaskDetail d = fx.detail(task);
            assertThat(d.task().attempts()).as("no expiry across the failover").isEqualTo(1);
            assertThat(d.task().result().workerId()).isEqualTo("w1");
        }
    }

    @Test
    void sigtermDrainsTheWorkerWhichFinishesItsTaskAndExitsZero() throws Exception {
        try (WorkerProcesses fx = start()) {
            ImageRef ref = slowImage(fx);
            Process w1 = fx.startWorker("w1", 1);
            String job = submit(fx, ref, "drain");
            String task = job + ".0";
            fx.awaitUntil("w1 holds " + task, Duration.ofSeconds(30), () -> fx.leasedTo(task, "w1"));
            // Drain covers tasks the worker runs; a grant whose push has not reached the worker yet lapses after the
            // TTL instead (known gap), so signal once the task has started.
            fx.awaitUntil("w1 started " + task, Duration.ofSeconds(30), () -> fx.logOf("w1")
                    .contains("started, ops"));
            fx.terminate("w1");
            assertThat(w1.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(w1.exitValue()).isZero();
            TaskDetail d = fx.detail(task);
            assertThat(d.task().state().name())
                    .as("worker log:%n%s", fx.logOf("w1"))
                    .isEqualTo("SUCCEEDED");
            assertThat(d.task().result().workerId()).isEqualTo("w1");
        }
    }
}
