package io.corral.coordinator.workers;

import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.coordinator.raft.CorralStateMachine;
import io.corral.coordinator.raft.RaftNode;
import io.corral.coordinator.raft.SubmissionGrants;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.jobs.PendingQueue;
import io.corral.coordinator.state.kv.KvView;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.Response;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offers pending tasks to the workers connected to this coordinator. The leader decides every grant (it applies the
 * {@link Command.LeaseTasks} this node commits on a worker's behalf, one entry per worker and round, granting up to
 * its free slots); this node pushes the granted tasks to the worker's session as a {@link Response.LeaseOffer}.
 *
 * <p>A submission proposed through this node carries grants for its idle workers in its own entry ({@link #submit});
 * on the leader, the state machine adds grants for the leader's own idle workers as it stamps any submission
 * ({@link #reserve}), whichever member proposed it.
 * Rounds are triggered by events, never by a polling interval on the dispatch path: a registration, a finished task,
 * an applied submission, retry, expiry, failure or release, and the end of the soonest retry backoff. A slow
 * tick ({@code workers.dispatchTickMs}) is only a backstop for a trigger lost to a failed Raft call.
 */
public final class Dispatcher implements AutoCloseable, SubmissionGrants {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final RaftNode raft;
    private final CorralStateMachine stateMachine;
    private final WorkerRegistry registry;
    private final CoordinatorConfig.Workers config;
    private final LongSupplier clockMs;
    private final ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dispatcher");
        t.setDaemon(true);
        return t;
    });
    private final Object lock = new Object();
    /** A round is queued on the executor; guarded by {@link #lock}. */
    private boolean roundQueued;
    /** The wake-up at the end of the soonest backoff; guarded by {@link #lock}. */
    private ScheduledFuture<?> backoffWake;

    private long backoffWakeAtMs = -1;
    private final AtomicInteger rotation = new AtomicInteger();
    private final DispatchMetrics metrics = new DispatchMetrics();

    public Dispatcher(
            RaftNode raft,
            CorralStateMachine stateMachine,
            WorkerRegistry registry,
            CoordinatorConfig.Workers config,
            LongSupplier clockMs) {
        this.raft = raft;
        this.stateMachine = stateMachine;
        this.registry = registry;
        this.config = config;
        this.clockMs = clockMs;
    }

    public void start() {
        long tick = config.dispatchTickMs();
        exec.scheduleWithFixedDelay(this::trigger, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** Asks for a dispatch round soon; many triggers before it runs make one round. Never blocks. */
    public void trigger() {
        synchronized (lock) {
            if (roundQueued) {
                return;
            }
            roundQueued = true;
        }
        try {
            exec.execute(this::roundSafely);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closing.
        }
    }

    private void roundSafely() {
        synchronized (lock) {
            roundQueued = false;
        }
        try {
            round();
        } catch (RuntimeException e) {
            LOG.warn("dispatch round failed: {}", e.toString(), e);
        }
    }

    private void round() {
        int free = registry.freeSlots();
        if (free == 0 || stateMachine.store() == null) {
            return;
        }
        KvView view = stateMachine.store().view();
        long now = clockMs.getAsLong();
        long backoffEnd = stateMachine.core().nextBackoffEndMs(view);
        // Tasks whose backoff has ended are promoted by the LeaseTasks itself, so they count as ready.
        int ready = backoffEnd >= 0 && backoffEnd <= now
                ? free
                : PendingQueue.peek(view, free).size();
        if (backoffEnd > now) {
            wakeAt(backoffEnd);
        }
        if (ready > 0) {
            leaseUpTo(ready);
        }
    }

    /** Asks for leases for workers with free slots, {@code budget} tasks at most in all. */
    private void leaseUpTo(int budget) {
        for (WorkerRegistry.Candidate c : registry.takeCandidates(budget, rotation.getAndIncrement())) {
            lease(c);
        }
    }

    private void lease(WorkerRegistry.Candidate c) {
        Command.LeaseTasks command = new Command.LeaseTasks(c.workerId(), c.maxTasks(), config.leaseTtlMs());
        raft.submit(command).whenComplete((reply, error) -> {
            List<LeaseGrant> grants = reply instanceof Response.LeaseOffer offer ? offer.grants() : List.of();
            deliver(c, grants);
            if (error != null || reply instanceof Response.ErrorReply) {
                LOG.debug("LeaseTasks for {} failed: {}", c.workerId(), error != null ? error : reply);
            } else if (grants.size() == c.maxTasks()) {
                trigger(); // the queue may hold more for other workers
            }
        });
    }

    /** The lease request for {@code c} ended with {@code grants} (maybe none): record them and push them. */
    private void deliver(WorkerRegistry.Candidate c, List<LeaseGrant> grants) {
        registry.leased(
                c.workerId(),
                c.session(),
                grants.stream().map(LeaseGrant::taskId).toList());
        if (grants.isEmpty()) {
            return;
        }
        if (!c.session().push(new Response.LeaseOffer(grants))) {
            // The leases are committed; a worker that never saw them lets them lapse after the TTL.
            LOG.warn(
                    "could not push {} grants to worker {}: its connection is closed or not reading",
                    grants.size(),
                    c.workerId());
        } else if (leaderNow()) {
            long now = clockMs.getAsLong();
            for (LeaseGrant g : grants) {
                // Every grant this member asks for carries its TTL, so the entry's leader time is the expiry less it.
                metrics.dispatched(g.expiresAtMs() - config.leaseTtlMs(), now);
            }
        }
    }

    /** What dispatch measures on this member. */
    public DispatchMetrics metrics() {
        return metrics;
    }

    /** Whether this member leads now; false while Raft is not running (start-up, close). */
    boolean leaderNow() {
        try {
            return raft.isLeader();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Proposes a submission, with grants for the idle workers connected here riding in the same entry
     * ({@link Command.SubmitAndLease}) when there are any: they get their tasks when the submission is acknowledged,
     * not one commit later. The answer is the submission's, as if it had been proposed alone. Tasks left over are
     * dispatched by the rounds the applied submission triggers on every member.
     */
    public CompletableFuture<Response> submit(Command.SubmitJob job) {
        List<WorkerRegistry.Candidate> offered = takeForSubmission(job.images().size(), Set.of());
        if (offered.isEmpty()) {
            // The leader may have added grants for its own workers; the client gets the plain answer.
            return raft.submit(job).thenApply(Dispatcher::unwrap);
        }
        Command.SubmitAndLease command = new Command.SubmitAndLease(
                job,
                offered.stream()
                        .map(c -> new Command.LeaseTasks(c.workerId(), c.maxTasks(), config.leaseTtlMs()))
                        .toList());
        CompletableFuture<Response> proposed;
        try {
            proposed = raft.submit(command);
        } catch (RuntimeException e) {
            offered.forEach(c -> registry.leased(c.workerId(), c.session(), List.of()));
            throw e;
        }
        return proposed.handle((reply, error) -> {
            Map<String, List<LeaseGrant>> grants =
                    reply instanceof Response.JobSubmittedWithLeases w ? w.grants() : Map.of();
            for (WorkerRegistry.Candidate c : offered) {
                deliver(c, grants.getOrDefault(c.workerId(), List.of()));
            }
            if (error != null) {
                throw error instanceof CompletionException ce ? ce : new CompletionException(error);
            }
            return unwrap(reply);
        });
    }

    private static Response unwrap(Response reply) {
        return reply instanceof Response.JobSubmittedWithLeases w ? w.submitted() : reply;
    }

    /**
     * Called by the state machine on the leader as it stamps a submission: reserves idle workers connected here (not
     * {@code named}) for up to {@code tasks} tasks. Never blocks: the registry's lock only.
     */
    @Override
    public SubmissionGrants.Reservation reserve(int tasks, Set<String> named) {
        List<WorkerRegistry.Candidate> kept = takeForSubmission(tasks, named);
        return kept.isEmpty() ? null : new Reserved(kept);
    }

    /**
     * Idle workers connected here for up to {@code tasks} tasks of a submission, marked as leasing: not those in
     * {@code named}, and no more than one entry may name with them. The others taken are let go at once.
     */
    private List<WorkerRegistry.Candidate> takeForSubmission(int tasks, Set<String> named) {
        if (tasks <= 0 || stateMachine.store() == null) {
            return List.of();
        }
        List<WorkerRegistry.Candidate> taken =
                registry.takeCandidates(Math.min(tasks, CoreLimits.MAX_TASKS_PER_LEASE), rotation.getAndIncrement());
        List<WorkerRegistry.Candidate> kept = new java.util.ArrayList<>();
        for (WorkerRegistry.Candidate c : taken) {
            if (named.contains(c.workerId()) || kept.size() >= CoreLimits.MAX_WORKERS_PER_SUBMIT_LEASE - named.size()) {
                registry.leased(c.workerId(), c.session(), List.of());
            } else {
                kept.add(c);
            }
        }
        return List.copyOf(kept);
    }

    /** Workers reserved for one entry the leader stamped. */
    private final class Reserved implements SubmissionGrants.Reservation {
        private final List<WorkerRegistry.Candidate> candidates;
        private final AtomicBoolean ended = new AtomicBoolean();

        Reserved(List<WorkerRegistry.Candidate> candidates) {
            this.candidates = candidates;
        }

        @Override
        public List<Command.LeaseTasks> leases() {
            return candidates.stream()
                    .map(c -> new Command.LeaseTasks(c.workerId(), c.maxTasks(), config.leaseTtlMs()))
                    .toList();
        }

        @Override
        public void applied(Map<String, List<LeaseGrant>> grants) {
            if (ended.compareAndSet(false, true)) {
                for (WorkerRegistry.Candidate c : candidates) {
                    deliver(c, grants.getOrDefault(c.workerId(), List.of()));
                }
            }
        }

        @Override
        public void abandoned() {
            if (ended.compareAndSet(false, true)) {
                // Grants the entry may still commit reach the worker by the heartbeat's re-offer.
                for (WorkerRegistry.Candidate c : candidates) {
                    registry.leased(c.workerId(), c.session(), List.of());
                }
                trigger();
            }
        }
    }

    private void wakeAt(long atMs) {
        synchronized (lock) {
            if (backoffWake != null && !backoffWake.isDone() && backoffWakeAtMs <= atMs) {
                return;
            }
            if (backoffWake != null) {
                backoffWake.cancel(false);
            }
            backoffWakeAtMs = atMs;
            long delay = Math.max(0, atMs - clockMs.getAsLong());
            try {
                backoffWake = exec.schedule(this::trigger, delay, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // Closing.
            }
        }
    }

    @Override
    public void close() {
        exec.shutdownNow();
    }
}
