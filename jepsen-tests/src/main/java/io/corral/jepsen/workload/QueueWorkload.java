package io.corral.jepsen.workload;

import io.corral.client.CorralClient;
import io.corral.client.ImageUpload;
import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.checker.FinalJob;
import io.corral.jepsen.checker.LeaseFencingChecker;
import io.corral.jepsen.checker.QueueChecker;
import io.corral.jepsen.history.History;
import io.corral.jepsen.history.OpType;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clients submit unique single-image jobs (a tiny generated PNG each, an idempotency key each); the workers process
 * them. The history records every submission: OK with the job id, FAIL when the cluster refused it for certain, INFO
 * when the outcome is unknown. After the run, every acknowledged job must end SUCCEEDED with exactly one committed
 * result, and nothing may appear that no client submitted.
 */
public final class QueueWorkload {
    private static final Logger log = LoggerFactory.getLogger(QueueWorkload.class);

    /** The operations every job runs: small and fast, the harness is about the queue, not the pipeline. */
    public static final List<String> OPERATIONS = List.of("thumbnail:8", "format:png");

    /** The label that marks a job as this run's: the final read ignores every other job of the cluster. */
    static final String RUN_LABEL = "jepsen-run";

    static final long MAX_IMAGE_BYTES = 1L << 20;
    /** Attempts of SubmitJob with the same idempotency key: a retry of an applied submission returns the same job. */
    static final int SUBMIT_ATTEMPTS = 3;
    /**
     * Attempts per task: generous, because kill and pause nemeses make leases lapse on purpose, and a task that runs
     * out of attempts ends DEAD, which the checker would count as lost.
     */
    static final int MAX_ATTEMPTS = 20;

    private final Path images;
    private final String runId;

    /** @param runId distinguishes this run's keys from any other run's on the same cluster */
    public QueueWorkload(Path images, String runId) {
        this.images = images;
        this.runId = runId;
    }

    public String name() {
        return "queue";
    }

    public void operate(ClientProcess c, History history) {
        long n = c.next();
        String key = runId + "-" + c.process() + "-" + n;
        Path file = TinyImages.write(images, key, key.hashCode() * 31L + n);
        history.invoke(
                c.process(),
                "submit",
                c.tenant() == null ? Map.of("key", key) : Map.of("key", key, "tenant", c.tenant()));
        ImageRef image;
        try {
            image = ImageUpload.upload(c.client(), file, MAX_IMAGE_BYTES);
        } catch (IOException | RuntimeException e) {
            // Nothing was submitted: an upload only stores bytes, it creates no job.
            history.fail(c.process(), Map.of("key", key), "upload: " + Outcomes.describe(e));
            delete(file);
            return;
        }
        delete(file);
        Request.SubmitJob submit =
                new Request.SubmitJob(List.of(image), OPERATIONS, 0, MAX_ATTEMPTS, 0, Map.of(RUN_LABEL, runId), key);
        try {
            Response.JobSubmitted ok = c.client().callWithRetry(submit, Response.JobSubmitted.class, SUBMIT_ATTEMPTS);
            history.ok(c.process(), Map.of("key", key, "job", ok.jobId(), "image", image.sha256()));
        } catch (RuntimeException e) {
            OpType type = Outcomes.of(e);
            history.complete(c.process(), type, Map.of("key", key), Outcomes.describe(e));
            if (type == OpType.INFO) {
                c.crashed();
            }
        }
    }

    /**
     * Waits for the run's jobs to end (at most {@code settle}) and reads them with their attempt histories. A job
     * still running after {@code settle} is read as it is, not terminal.
     */
    public List<FinalJob> settle(CorralClient admin, Duration settle) throws InterruptedException {
        boolean drained = FinalState.awaitDrained(admin, runId, settle);
        List<FinalJob> jobs = FinalState.read(admin, runId);
        log.info(
                "queue: {} jobs of this run read back ({})",
                jobs.size(),
                drained ? "all terminal" : "NOT all terminal");
        return jobs;
    }

    /** The total-queue and lease-fencing checks of the history against the final state {@link #settle} read. */
    public List<CheckResult> check(History history, List<FinalJob> jobs) {
        return List.of(new QueueChecker().check(history, jobs), new LeaseFencingChecker().check(jobs));
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A leftover tiny file in the run's directory is harmless.
        }
    }
}
