package io.corral.worker.internal;

import io.corral.metrics.Histogram;
import io.corral.metrics.PrometheusText;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** What a worker counts about its tasks, for its optional {@code /metrics} endpoint. Thread-safe, lock-free. */
public final class WorkerMetrics {
    /** 5 ms to 5 min: a thumbnail of a small image to the task timeout's default. */
    static final double[] PIPELINE_BUCKETS_SECONDS = {
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300
    };

    /** How a task ended on this worker; each task ends once, counted by whoever took its lease out of RUNNING. */
    public enum Outcome {
        /** Its completion was committed. */
        SUCCEEDED,
        /** Its failure (retryable or not) was committed. */
        FAILED,
        /** It ran past its task timeout; the failure was sent from the timer. */
        TIMED_OUT,
        /** The cluster said the lease was stale or revoked it; nothing was reported. */
        ABORTED,
        /** Given back unfinished by a drain. */
        RELEASED,
        /** The cluster refused the completion or failure (most often: the lease had become stale meanwhile). */
        REFUSED,
        /** The report's outcome is unknown (no answer within the retries); the lease expires if it was lost. */
        UNKNOWN
    }

    private final LongAdder started = new LongAdder();
    private final Map<Outcome, LongAdder> ended = new EnumMap<>(Outcome.class);
    private final Histogram pipeline = new Histogram(PIPELINE_BUCKETS_SECONDS);
    private final LongAdder inputBytes = new LongAdder();
    private final LongAdder outputBytes = new LongAdder();

    public WorkerMetrics() {
        for (Outcome o : Outcome.values()) {
            ended.put(o, new LongAdder());
        }
    }

    void started() {
        started.increment();
    }

    void ended(Outcome outcome) {
        ended.get(outcome).increment();
    }

    void downloaded(long bytes) {
        inputBytes.add(bytes);
    }

    void uploaded(long bytes) {
        outputBytes.add(bytes);
    }

    void pipelineRan(long elapsedMs) {
        pipeline.observe(Math.max(0, elapsedMs) / 1000.0);
    }

    public long endedCount(Outcome outcome) {
        return ended.get(outcome).sum();
    }

    public void write(PrometheusText p) {
        p.counter("corral_worker_tasks_started_total", "tasks this worker started", started.sum());
        p.header("corral_worker_tasks_ended_total", "counter", "tasks that ended on this worker, by outcome");
        for (Outcome o : Outcome.values()) {
            p.sample(
                    "corral_worker_tasks_ended_total",
                    Map.of("outcome", o.name()),
                    ended.get(o).sum());
        }
        p.histogram(
                "corral_worker_pipeline_seconds",
                "time in the image pipeline per task (decode to encoded result; transfers not included)",
                pipeline);
        p.counter("corral_worker_input_bytes_total", "image bytes downloaded from the cluster", inputBytes.sum());
        p.counter("corral_worker_output_bytes_total", "result bytes uploaded to the cluster", outputBytes.sum());
    }
}
