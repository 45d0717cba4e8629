package io.corral.coordinator;

import io.corral.client.CorralClient;
import io.corral.coordinator.membership.Member;
import io.corral.coordinator.membership.Members;
import io.corral.coordinator.raft.CorralStateMachine;
import io.corral.coordinator.raft.RaftNode;
import io.corral.coordinator.rpc.PeerClients;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets a member that lost its data (wiped, or a disk replaced) replicating again.
 *
 * <p>Raft assumes a member never loses entries it acknowledged, and Ratis' leader keeps, in memory, the index up to
 * which each follower has acknowledged. After a wipe the leader keeps sending entries from after that index; the
 * follower, which has nothing, refuses them, and the two never meet. A leader elected afterwards starts without that
 * memory, finds out how little the member has, and sends it a snapshot. So when this member, with an empty store, has
 * applied nothing for {@link #STUCK_AFTER_MS} while the leader has applied entries, it asks the leader to hand
 * leadership to another member. Never while a snapshot install is under way: the applied index stands still then by
 * design (a new member being caught up installs a checkpoint first, and a hand-over would abort its addition).
 */
final class CatchUpWatchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CatchUpWatchdog.class);
    static final long CHECK_INTERVAL_MS = 1000;
    /** How long the applied index may stay still while the leader is ahead before this member asks for help. */
    static final long STUCK_AFTER_MS = 5000;
    /** At most one leadership hand-over requested per this period, so a real problem cannot cause a storm. */
    static final long MIN_INTERVAL_BETWEEN_REQUESTS_MS = 30_000;

    static final long PEER_TIMEOUT_MS = 2000;

    private final RaftNode raft;
    private final CorralStateMachine stateMachine;
    private final Members members;
    private final PeerClients peers;
    private final LongSupplier clockMs;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "catch-up-watchdog");
        t.setDaemon(true);
        return t;
    });
    private long lastApplied = Long.MIN_VALUE;
    private long stillSinceMs;
    private long lastRequestMs = Long.MIN_VALUE / 2;

    CatchUpWatchdog(
            RaftNode raft, CorralStateMachine stateMachine, Members members, PeerClients peers, LongSupplier clockMs) {
        this.raft = raft;
        this.stateMachine = stateMachine;
        this.members = members;
        this.peers = peers;
        this.clockMs = clockMs;
    }

    void start() {
        timer.scheduleWithFixedDelay(this::checkSafely, CHECK_INTERVAL_MS, CHECK_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    private void checkSafely() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.debug("catch-up check failed: {}", e.toString());
        }
    }

    private void check() {
        long now = clockMs.getAsLong();
        MemberStatus me = raft.status();
        // Only a member that has applied nothing at all qualifies: a member that is merely one entry behind an idle
        // leader (whose last entry may be a commit marker not yet sent to followers) must never trigger a hand-over.
        if (me.appliedIndex() >= 0
                || me.appliedIndex() != lastApplied
                || me.leaderId() == null
                || stateMachine.installing()) {
            lastApplied = me.appliedIndex();
            stillSinceMs = now;
            return;
        }
        if (now - stillSinceMs < STUCK_AFTER_MS || now - lastRequestMs < MIN_INTERVAL_BETWEEN_REQUESTS_MS) {
            return;
        }
        Member leader = members.find(me.leaderId()).orElse(null);
        if (leader == null) {
            return; // a new member that has not learned the configuration yet: the leader is catching it up
        }
        MemberStatus leaderStatus = peers.status(leader, PEER_TIMEOUT_MS).join();
        if (leaderStatus.appliedIndex() <= 0) {
            stillSinceMs = now;
            return;
        }
        Optional<String> target = successor(me.id(), leader.id());
        if (target.isEmpty()) {
            LOG.warn(
                    "applied index stuck at {} while leader {} is at {}, and no other member can take over",
                    me.appliedIndex(),
                    leader.id(),
                    leaderStatus.appliedIndex());
            return;
        }
        lastRequestMs = now;
        LOG.warn(
                "applied index stuck at {} for {} ms while leader {} is at {}: this member has lost entries it had"
                        + " acknowledged (wiped data?); asking {} to hand leadership to {} so replication restarts",
                me.appliedIndex(),
                now - stillSinceMs,
                leader.id(),
                leaderStatus.appliedIndex(),
                leader.id(),
                target.get());
        try (CorralClient c = peers.open(leader, "catch-up:" + me.id())) {
            c.call(new Request.TransferLeader(target.get()), Response.LeaderTransferred.class);
        }
    }

    /** The reachable member, other than this one and the leader, that has applied the most. */
    private Optional<String> successor(String self, String leader) {
        return members.current().voters().stream()
                .filter(p -> !p.id().equals(self) && !p.id().equals(leader))
                .map(p -> peers.status(p, PEER_TIMEOUT_MS)
                        .exceptionally(e -> null)
                        .join())
                .filter(s -> s != null && s.reachable())
                .max(Comparator.comparingLong(MemberStatus::appliedIndex))
                .map(MemberStatus::id);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
