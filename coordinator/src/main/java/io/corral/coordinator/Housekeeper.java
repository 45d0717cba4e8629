package io.corral.coordinator;

import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.coordinator.raft.CorralStateMachine;
import io.corral.coordinator.raft.RaftNode;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.StateCore;
import io.corral.protocol.TaskState;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's periodic decisions: expire locks whose TTL lapsed, end lock waits whose deadline passed, collect
 * garbage. Liveness is judged here, in memory, on the leader; only the decisions are committed, and apply re-checks
 * each against the entry's time so a decision that raced with a renewal changes nothing.
 *
 * <p>After winning an election the leader waits {@code lockExpiryGraceMs} before expiring locks: holders could not
 * renew while there was no leader, so expiring them at once would punish them for the failover.
 *
 * <p>Leases: on winning an election the leader first commits {@link Command.ExtendAllLeases} (every live lease lasts
 * at least {@code workers.failoverGraceMs} more), once per term, and expires no lease before that entry is applied;
 * then it commits {@link Command.ExpireLease} for leases whose expiry passed, with the configured retry backoff.
 */
final class Housekeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Housekeeper.class);
    /** Most lock decisions submitted per tick, so a backlog is worked off without flooding the log. */
    static final int LOCK_DECISIONS_PER_TICK = 256;

    private final RaftNode raft;
    private final CorralStateMachine stateMachine;
    private final CoordinatorConfig config;
    private final LongSupplier clockMs;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "housekeeper");
        t.setDaemon(true);
        return t;
    });
    private final Set<Command> inFlight = ConcurrentHashMap.newKeySet();
    private long leaderTerm = -1;
    private long leaderSinceMs;
    private long lastGcMs;
    /** The term in which this node, as leader, has committed the lease grace; expiries wait for it. */
    private volatile long leaseGraceTerm = -1;

    private volatile boolean graceInFlight;

    Housekeeper(RaftNode raft, CorralStateMachine stateMachine, CoordinatorConfig config, LongSupplier clockMs) {
        this.raft = raft;
        this.stateMachine = stateMachine;
        this.config = config;
        this.clockMs = clockMs;
    }

    void start() {
        long tick = config.housekeeping().tickMs();
        timer.scheduleWithFixedDelay(this::tickSafely, tick, tick, TimeUnit.MILLISECONDS);
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warn("housekeeping tick failed: {}", e.toString());
        }
    }

    private void tick() {
        if (!raft.isLeader()) {
            leaderTerm = -1;
            return;
        }
        long now = clockMs.getAsLong();
        long term = raft.info().getCurrentTerm();
        if (term != leaderTerm) {
            leaderTerm = term;
            leaderSinceMs = now;
            LOG.info(
                    "leader in term {}: lock expiry resumes after a grace of {} ms",
                    term,
                    config.housekeeping().lockExpiryGraceMs());
        }
        StateCore core = stateMachine.core();
        List<Command> due = core.dueLockCommands(now, stateMachine.store().view(), LOCK_DECISIONS_PER_TICK);
        boolean inGrace = now - leaderSinceMs < config.housekeeping().lockExpiryGraceMs();
        for (Command c : due) {
            if (!(inGrace && c instanceof Command.ExpireLock)) {
                submitOnce(c);
            }
        }
        leases(core, now, term);
        if (now - lastGcMs >= config.housekeeping().gcIntervalMs()) {
            lastGcMs = now;
            Command.CollectGarbage gc = new Command.CollectGarbage(
                    config.retention().jobsMs(),
                    config.retention().blobsMs(),
                    config.retention().uploadsMs(),
                    config.housekeeping().gcBatchItems());
            if (core.hasGarbage(now, stateMachine.store().view(), gc)) {
                submitOnce(gc);
            }
        }
    }

    private void leases(StateCore core, long now, long term) {
        if (leaseGraceTerm != term) {
            // Once this leader has applied everything committed (all earlier terms included), no LEASED task means
            // no lease that needs a grace: leases granted from now on are this leader's own. Spares an entry per
            // election. Until then, wait: no lease is expired before the grace is settled.
            if (stateMachine.getLastAppliedTermIndex().getIndex() < raft.commitIndex()) {
                return;
            }
            if (core.counters(stateMachine.store().view()).tasks().getOrDefault(TaskState.LEASED, 0L) == 0) {
                leaseGraceTerm = term;
            } else {
                commitGrace(term);
                return;
            }
        }
        CoordinatorConfig.Workers w = config.workers();
        for (Command c : core.dueLeaseCommands(
                now,
                stateMachine.store().view(),
                LOCK_DECISIONS_PER_TICK,
                w.retryBackoffBaseMs(),
                w.retryBackoffCapMs())) {
            submitOnce(c);
        }
    }

    /**
     * Workers could not heartbeat while there was no leader, so a new leader extends every live lease before it
     * expires any. Committed once per term; retried on the next tick if it fails.
     */
    private void commitGrace(long term) {
        if (graceInFlight) {
            return;
        }
        graceInFlight = true;
        long graceMs = config.workers().effectiveFailoverGraceMs();
        raft.submit(new Command.ExtendAllLeases(graceMs)).whenComplete((reply, error) -> {
            graceInFlight = false;
            if (error == null && !(reply instanceof io.corral.protocol.Response.ErrorReply)) {
                leaseGraceTerm = term;
                LOG.info("leader in term {}: extended live leases by a grace of {} ms", term, graceMs);
            } else {
                LOG.warn("lease grace for term {} not committed ({}); retrying", term, error != null ? error : reply);
            }
        });
    }

    private void submitOnce(Command c) {
        if (inFlight.add(c)) {
            raft.submit(c).whenComplete((r, e) -> inFlight.remove(c));
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
