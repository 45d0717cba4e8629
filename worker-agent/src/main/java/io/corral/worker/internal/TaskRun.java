package io.corral.worker.internal;

import io.corral.client.CorralException;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.LeaseRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.ops.InvalidOperationException;
import io.corral.protocol.ops.Operation;
import io.corral.worker.pipeline.ImagePipeline;
import io.corral.worker.pipeline.PipelineException;
import io.corral.worker.pipeline.PipelineResult;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One leased task on one slot: download, pipeline, upload, report. Exactly one party reports on the lease: whoever
 * moves {@link #state} out of RUNNING first (the task itself when it finishes, the timeout, an abort or the drain).
 * That single compare-and-set is what keeps a timed-out or revoked task from also completing.
 */
public final class TaskRun implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(TaskRun.class);

    /** Where a lease stands on this worker. Only RUNNING and REPORTING leases are still heartbeated. */
    public enum State {
        RUNNING,
        REPORTING,
        ABORTED,
        TIMED_OUT,
        RELEASED
    }

    /** What a task needs from its worker; one per worker, shared by its tasks. */
    public record Context(
            ClusterPort port,
            Blobs blobs,
            ImagePipeline pipeline,
            LongSupplier clockMs,
            long progressIntervalMs,
            long requestTimeoutMs,
            WorkerMetrics metrics) {}

    private final LeaseGrant grant;
    private final Context ctx;
    private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
    /** The slot thread while the task runs; guarded by {@code this}. */
    private Thread thread;

    /** When the last report went, or the task started; written and read on the task's thread. */
    private long lastProgressMs;

    private int lastPercent = -1;

    /** An admitted lease: counted as a started task, which ends exactly once (see {@link WorkerMetrics.Outcome}). */
    public TaskRun(LeaseGrant grant, Context ctx) {
        this.grant = grant;
        this.ctx = ctx;
        ctx.metrics().started();
    }

    public LeaseGrant grant() {
        return grant;
    }

    public LeaseRef lease() {
        return new LeaseRef(grant.taskId(), grant.token());
    }

    public State state() {
        return state.get();
    }

    /** Whether the lease is still this worker's to keep alive. */
    public boolean held() {
        State s = state.get();
        return s == State.RUNNING || s == State.REPORTING;
    }

    @Override
    public void run() {
        synchronized (this) {
            thread = Thread.currentThread();
        }
        try {
            if (state.get() != State.RUNNING) {
                return; // aborted or released before a slot thread picked it up
            }
            log.info(
                    "task {} (token {}, {}): started, ops {}",
                    grant.taskId(),
                    grant.token(),
                    grant.imageName(),
                    grant.operations());
            lastProgressMs = ctx.clockMs().getAsLong();
            execute();
        } finally {
            synchronized (this) {
                thread = null;
                // An interrupt meant for this task must not leak into the next task on this pooled thread.
                Thread.interrupted();
            }
        }
    }

    private void execute() {
        try {
            List<Operation> ops =
                    grant.operations().stream().map(Operation::parse).toList();
            byte[] input = ctx.blobs()
                    .download(
                            grant.imageSha256(),
                            grant.imageSize(),
                            ctx.pipeline().limits().maxInputBytes());
            ctx.metrics().downloaded(input.length);
            PipelineResult result = runPipeline(input, ops);
            String sha = ctx.blobs().upload(result.bytes());
            ctx.metrics().uploaded(result.size());
            report(new Request.CompleteTask(grant.taskId(), grant.token(), sha, result.size()), "completed " + result);
        } catch (PipelineException e) {
            fail(e.getMessage(), e.retryable());
        } catch (InvalidOperationException e) {
            fail("invalid operation: " + e.getMessage(), false);
        } catch (Blobs.TransferException e) {
            fail(e.getMessage(), true);
        } catch (InterruptedException | CancellationException e) {
            if (state.get() == State.RUNNING) {
                fail("interrupted", true); // not by us: the pool is going away
            }
        } catch (RuntimeException e) {
            if (state.get() == State.RUNNING) {
                log.warn("task {}: unexpected failure", grant.taskId(), e);
            }
            fail("unexpected worker error: " + e, true);
        } catch (Error e) {
            // OutOfMemoryError on a huge image is the typical case: fail this task, keep the worker.
            fail("worker error: " + e, true);
            if (!(e instanceof OutOfMemoryError)) {
                throw e;
            }
        }
    }

    /** The pipeline, timed with the worker's clock whether it succeeds or not. */
    private PipelineResult runPipeline(byte[] input, List<Operation> ops)
            throws PipelineException, InterruptedException {
        long startMs = ctx.clockMs().getAsLong();
        try {
            return ctx.pipeline().run(input, ops, this::progress);
        } finally {
            ctx.metrics().pipelineRan(ctx.clockMs().getAsLong() - startMs);
        }
    }

    private void fail(String error, boolean retryable) {
        report(
                new Request.FailTask(grant.taskId(), grant.token(), error, retryable),
                "failed (" + (retryable ? "retryable" : "final") + "): " + error);
    }

    /** The task thread's own report: only if nobody else took the lease out of RUNNING first. */
    private void report(Request request, String what) {
        if (!state.compareAndSet(State.RUNNING, State.REPORTING)) {
            log.info("task {}: {} but the lease is {}; nothing reported", grant.taskId(), what, state.get());
            return;
        }
        log.info("task {}: {}", grant.taskId(), what);
        try {
            ctx.metrics().ended(sendFinal(ctx.port(), request, grant, ctx.requestTimeoutMs()));
        } catch (InterruptedException e) {
            ctx.metrics().ended(WorkerMetrics.Outcome.UNKNOWN);
            log.warn(
                    "task {}: interrupted while reporting; the lease will expire and the task run again",
                    grant.taskId());
        }
    }

    /**
     * Sends a complete or fail, retried while its outcome is unknown (a second send with the same token is either
     * applied or refused as stale: never applied twice). A STALE_LEASE answer is final: another worker owns the
     * task now, so it is logged and dropped. Returns how the task ended, for the metrics.
     */
    static WorkerMetrics.Outcome sendFinal(ClusterPort port, Request request, LeaseGrant grant, long timeoutMs)
            throws InterruptedException {
        try {
            Response answer = Calls.retrying(port, request, timeoutMs);
            if (answer instanceof Response.ErrorReply e) {
                if (e.code() == ErrorCode.STALE_LEASE) {
                    log.warn(
                            "task {}: {} refused, lease {} is stale: {}",
                            grant.taskId(),
                            Calls.name(request),
                            grant.token(),
                            e.message());
                } else {
                    log.warn("task {}: {} refused: {} {}", grant.taskId(), Calls.name(request), e.code(), e.message());
                }
                return WorkerMetrics.Outcome.REFUSED;
            } else if (answer instanceof Response.TaskUpdated u) {
                log.info("task {}: now {}", grant.taskId(), u.state());
            }
            return request instanceof Request.CompleteTask
                    ? WorkerMetrics.Outcome.SUCCEEDED
                    : WorkerMetrics.Outcome.FAILED;
        } catch (CorralException e) {
            log.warn(
                    "task {}: {} outcome unknown ({}); the lease will expire if it was lost",
                    grant.taskId(),
                    Calls.name(request),
                    e.getMessage());
            return WorkerMetrics.Outcome.UNKNOWN;
        }
    }

    /**
     * Called by the pipeline on the task thread; sent without waiting for the answer. At most one report per
     * {@code progressIntervalMs}, counted from the task's start, the last step included: each report is a Raft commit,
     * and a task that ends within the interval is better served by its completion, which follows at once (its lease
     * already says where it runs). With photos of a few megapixels most tasks end well within the default second, so a
     * report at the start would be a commit per task that nobody reads.
     */
    private void progress(int percent, String step) {
        long now = ctx.clockMs().getAsLong();
        if (percent == lastPercent || now - lastProgressMs < ctx.progressIntervalMs()) {
            return;
        }
        lastPercent = percent;
        lastProgressMs = now;
        if (state.get() != State.RUNNING) {
            return;
        }
        ctx.port()
                .send(new Request.ReportProgress(grant.taskId(), grant.token(), percent, step))
                .whenComplete((answer, error) -> {
                    if (answer instanceof Response.ErrorReply e && e.code() == ErrorCode.STALE_LEASE) {
                        abort("progress refused as stale: " + e.message());
                    }
                });
    }

    /** The lease is gone (stale heartbeat, revocation): stop, report nothing. */
    public boolean abort(String why) {
        if (!state.compareAndSet(State.RUNNING, State.ABORTED)) {
            return false;
        }
        ctx.metrics().ended(WorkerMetrics.Outcome.ABORTED);
        log.warn("task {} (token {}): aborted: {}", grant.taskId(), grant.token(), why);
        interrupt();
        return true;
    }

    /**
     * Past the task timeout: stop it and fail it, retryable. Returns whether this call took the lease over.
     *
     * @param whose which bound it was (the job's or the worker's default), for the error the user reads
     */
    public boolean timeOut(long timeoutMs, String whose) {
        if (!state.compareAndSet(State.RUNNING, State.TIMED_OUT)) {
            return false;
        }
        ctx.metrics().ended(WorkerMetrics.Outcome.TIMED_OUT);
        String error = "timed out after " + timeoutMs + " ms (" + whose + ")";
        log.warn("task {} (token {}): {}", grant.taskId(), grant.token(), error);
        interrupt();
        // The request is sent from here, not the task thread: a task stuck in native code may never get back.
        ctx.port()
                .send(new Request.FailTask(grant.taskId(), grant.token(), error, true))
                .whenComplete((answer, e) -> {
                    if (answer instanceof Response.ErrorReply r) {
                        log.warn("task {}: timeout failure refused: {} {}", grant.taskId(), r.code(), r.message());
                    } else if (e != null) {
                        log.warn("task {}: timeout failure outcome unknown: {}", grant.taskId(), e.toString());
                    }
                });
        return true;
    }

    /** Drain: the lease is being given back. Returns whether this call took the lease over. */
    public boolean release() {
        if (!state.compareAndSet(State.RUNNING, State.RELEASED)) {
            return false;
        }
        ctx.metrics().ended(WorkerMetrics.Outcome.RELEASED);
        interrupt();
        return true;
    }

    /** Under the lock that {@link #run} clears {@link #thread} with, so a pooled thread's next task is never hit. */
    private synchronized void interrupt() {
        if (thread != null) {
            thread.interrupt();
        }
    }
}
