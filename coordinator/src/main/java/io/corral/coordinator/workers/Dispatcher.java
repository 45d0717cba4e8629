package io.corral.coordinator.workers;

import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.coordinator.raft.CorralStateMachine;
import io.corral.coordinator.raft.RaftNode;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.jobs.PendingQueue;
import io.corral.coordinator.state.kv.KvView;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.Response;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offers pending tasks to the workers connected to this coordinator. The leader decides every grant (it applies the
 * {@link Command.LeaseTasks} this node commits on a worker's behalf, one entry per worker and round, granting up to
 * its free slots); this node pushes the granted tasks to the worker's session as a {@link Response.LeaseOffer}.
 *
 * <p>Rounds are triggered by events, never by a polling interval on the dispatch path: a submission proposed through
 * this node ({@link #submitted}: the lease entry follows the submission in the log), a registration, a finished task,
 * an applied submission, retry, expiry, failure or release, and the end of the soonest retry backoff. A slow
 * tick ({@code workers.dispatchTickMs}) is only a backstop for a trigger lost to a failed Raft call.
 */
public final class Dispatcher implements AutoCloseable {
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
    private int rotation;

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
        for (WorkerRegistry.Candidate c : registry.takeCandidates(budget, rotation++)) {
            lease(c);
        }
    }

    private void lease(WorkerRegistry.Candidate c) {
        Command.LeaseTasks command = new Command.LeaseTasks(c.workerId(), c.maxTasks(), config.leaseTtlMs());
        raft.submit(command).whenComplete((reply, error) -> {
            List<LeaseGrant> grants = reply instanceof Response.LeaseOffer offer ? offer.grants() : List.of();
            registry.leased(
                    c.workerId(),
                    c.session(),
                    grants.stream().map(LeaseGrant::taskId).toList());
            if (!grants.isEmpty() && !c.session().push(new Response.LeaseOffer(grants))) {
                // The leases are committed; a worker that never saw them lets them lapse after the TTL.
                LOG.warn(
                        "could not push {} grants to worker {}: its connection is closed or not reading",
                        grants.size(),
                        c.workerId());
            }
            if (error != null || reply instanceof Response.ErrorReply) {
                LOG.debug("LeaseTasks for {} failed: {}", c.workerId(), error != null ? error : reply);
            } else if (grants.size() == c.maxTasks()) {
                trigger(); // the queue may hold more for other workers
            }
        });
    }

    /**
     * A submission of {@code tasks} tasks was just proposed through this node: asks for leases for idle workers
     * connected here right away, without waiting for the submission to be applied. Both go through this node's ordered
     * Raft client, so the {@code LeaseTasks} entry follows the submission in the log, usually in the same append, and
     * the grant is pushed about when the submission is acknowledged instead of one commit later. If another round took
     * the tasks first, the entry grants nothing.
     */
    public void submitted(int tasks) {
        try {
            exec.execute(() -> {
                try {
                    int free = registry.freeSlots();
                    if (free > 0 && stateMachine.store() != null) {
                        leaseUpTo(Math.min(free, tasks));
                    }
                } catch (RuntimeException e) {
                    LOG.warn("early dispatch failed: {}", e.toString(), e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closing.
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
