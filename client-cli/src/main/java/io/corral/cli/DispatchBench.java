package io.corral.cli;

import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.LeaseRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The measurement behind {@code corral bench dispatch}: one worker of one slot, registered over the real worker
 * protocol on its own connection, and a submitter on another. Jobs of one image are submitted one at a time; each
 * waits for its lease to reach the worker, which completes the task at once (with a result uploaded beforehand) so
 * that it is idle again, and the cluster holds no lease, when the next job is submitted.
 *
 * <p>Times are {@link System#nanoTime()} in this JVM, read on the client callback threads as the answer or the push
 * arrives (not when the waiting thread wakes up): submit = acknowledgement − send; dispatch = lease received −
 * acknowledgement; end to end = lease received − send.
 */
final class DispatchBench {
    private static final Logger log = LoggerFactory.getLogger(DispatchBench.class);

    /** Valid operations, never run: the benchmark's worker completes each task without processing its image. */
    static final List<String> OPERATIONS = List.of("thumbnail:64");
    /** Marks the benchmark's jobs in {@code corral list} and status output. */
    static final Map<String, String> LABELS = Map.of("corral-bench", "dispatch");
    /** One attempt: a job left over by an interrupted run ends DEAD after its lease lapses, never runs elsewhere. */
    static final int MAX_ATTEMPTS = 1;

    /**
     * @param jobs measured jobs
     * @param warmup jobs run first and not measured (class loading, JIT, connection set-up)
     * @param leaseTimeoutMs how long to wait for a job's lease before giving up on the run
     * @param requestTimeoutMs bound on each request's answer
     */
    record Settings(int jobs, int warmup, long leaseTimeoutMs, long requestTimeoutMs) {}

    /** One job's times, each a {@link System#nanoTime()} reading. */
    record Sample(long sentNs, long ackNs, long leaseNs) {
        long submitNs() {
            return ackNs - sentNs;
        }

        /**
         * The lease can overtake the acknowledgement when the two connections go to different coordinators (the
         * worker's may apply the job first); it then counts as 0, and {@link #leaseFirst()} says so.
         */
        long dispatchNs() {
            return Math.max(0, leaseNs - ackNs);
        }

        long endToEndNs() {
            return leaseNs - sentNs;
        }

        boolean leaseFirst() {
            return leaseNs < ackNs;
        }
    }

    /** A lease as the worker received it. */
    private record Arrival(LeaseGrant grant, long atNs) {}

    /** An answer and when it arrived. */
    private record Timed(Response response, long atNs) {}

    private final CorralClient submitter;
    private final CorralClient worker;
    private final String workerId;
    private final ImageRef input;
    private final ImageRef result;
    private final Settings settings;
    private final LinkedBlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();
    /** Leases received and not yet completed: what a heartbeat lists. */
    private final Set<LeaseRef> held = ConcurrentHashMap.newKeySet();

    /**
     * @param input the image every job names (uploaded already)
     * @param result the blob every task is completed with (uploaded already)
     */
    DispatchBench(
            CorralClient submitter,
            CorralClient worker,
            String workerId,
            ImageRef input,
            ImageRef result,
            Settings settings) {
        this.submitter = submitter;
        this.worker = worker;
        this.workerId = workerId;
        this.input = input;
        this.result = result;
        this.settings = settings;
        worker.onPush(this::onPush);
    }

    /**
     * Registers the worker, runs the warm-up and measured jobs, and returns the measured samples. The worker's
     * registration ends when its connection closes (the caller's job).
     *
     * @param progress told the number of jobs done so far, every now and then
     * @throws CorralException when a request fails, a lease does not come, or a task of another job is offered
     */
    List<Sample> run(IntConsumer progress) throws InterruptedException {
        Response.WorkerRegistered registered = worker.call(
                new Request.RegisterWorker(workerId, 1, List.of()),
                Response.WorkerRegistered.class,
                settings.requestTimeoutMs());
        ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long intervalMs = Math.max(10, registered.heartbeatIntervalMs());
        heartbeats.scheduleWithFixedDelay(this::heartbeat, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
        try {
            List<Sample> samples = new ArrayList<>(settings.jobs());
            int total = settings.warmup() + settings.jobs();
            for (int i = 0; i < total; i++) {
                Sample s = oneJob();
                if (i >= settings.warmup()) {
                    samples.add(s);
                }
                if ((i + 1) % 100 == 0 || i + 1 == total) {
                    progress.accept(i + 1);
                }
            }
            return samples;
        } finally {
            heartbeats.shutdownNow();
        }
    }

    /** Submit, wait for the lease, complete: the worker is idle again when this returns. */
    private Sample oneJob() throws InterruptedException {
        // No idempotency key: a key would cost a lookup in the state machine that an ordinary submission may skip.
        Request.SubmitJob submit = new Request.SubmitJob(List.of(input), OPERATIONS, 0, MAX_ATTEMPTS, LABELS, null);
        long sentNs = System.nanoTime();
        Timed acked = await(submitter.send(submit).thenApply(r -> new Timed(r, System.nanoTime())), "SubmitJob");
        String jobId = CorralClient.expect(submit, acked.response(), Response.JobSubmitted.class)
                .jobId();
        Arrival lease = awaitLease(jobId);
        LeaseGrant g = lease.grant();
        Request.CompleteTask complete = new Request.CompleteTask(g.taskId(), g.token(), result.sha256(), result.size());
        try {
            worker.call(complete, Response.TaskUpdated.class, settings.requestTimeoutMs());
        } finally {
            held.remove(new LeaseRef(g.taskId(), g.token()));
        }
        return new Sample(sentNs, acked.atNs(), lease.atNs());
    }

    private Arrival awaitLease(String jobId) throws InterruptedException {
        Arrival a = arrivals.poll(settings.leaseTimeoutMs(), TimeUnit.MILLISECONDS);
        if (a == null) {
            cancelQuietly(jobId);
            throw new CorralException(
                    ErrorCode.TIMEOUT,
                    "no lease for " + jobId + " reached the benchmark's worker within " + settings.leaseTimeoutMs()
                            + " ms of its acknowledgement (the job was cancelled); did another worker connect"
                            + " and take it? (corral workers)");
        }
        if (!a.grant().jobId().equals(jobId)) {
            LeaseGrant g = a.grant();
            worker.send(new Request.ReleaseLeases(workerId, List.of(new LeaseRef(g.taskId(), g.token()))));
            cancelQuietly(jobId);
            throw new CorralException(
                    ErrorCode.CONFLICT,
                    "task " + g.taskId() + " of " + g.jobId() + ", not a benchmark job, was offered to the"
                            + " benchmark's worker; it was given back unprocessed. Benchmark a cluster that has no"
                            + " unfinished jobs");
        }
        return a;
    }

    /** Client callback thread: the time is read first, before anything else delays it. */
    private void onPush(Response push) {
        long now = System.nanoTime();
        if (push instanceof Response.LeaseOffer offer) {
            for (LeaseGrant g : offer.grants()) {
                held.add(new LeaseRef(g.taskId(), g.token()));
                arrivals.add(new Arrival(g, now));
            }
        }
    }

    /** As a real worker does; a heartbeat with no lease listed commits nothing. Answers are not awaited. */
    private void heartbeat() {
        List<LeaseRef> leases = List.copyOf(held);
        worker.send(new Request.Heartbeat(workerId, leases, leases.isEmpty() ? 1 : 0))
                .whenComplete((answer, error) -> {
                    if (error != null || answer instanceof Response.ErrorReply) {
                        log.debug("benchmark heartbeat: {}", error != null ? error.toString() : answer);
                    }
                });
    }

    /** A job whose lease never came must not stay pending for a real worker to pick up later. */
    private void cancelQuietly(String jobId) {
        try {
            submitter.call(new Request.CancelJob(jobId), Response.JobDetail.class, settings.requestTimeoutMs());
        } catch (RuntimeException e) {
            log.warn("could not cancel {} after the benchmark stopped: {}", jobId, e.toString());
        }
    }

    private Timed await(CompletableFuture<Timed> answer, String what) throws InterruptedException {
        // The client times the request out itself; this only guards against a connect that hangs.
        long boundMs = settings.requestTimeoutMs() + 10_000;
        try {
            return answer.get(boundMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CorralException c) {
                throw c;
            }
            throw new CorralException(ErrorCode.INTERNAL, what + " failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new CorralException(ErrorCode.TIMEOUT, what + " was not answered within " + boundMs + " ms");
        }
    }
}
