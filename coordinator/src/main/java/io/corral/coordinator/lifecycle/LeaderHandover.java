package io.corral.coordinator.lifecycle;

import io.corral.coordinator.raft.RaftNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.server.DivisionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader that is asked to stop hands leadership to its most caught-up follower first, and waits (bounded) until
 * another member leads. Without it the cluster has no leader from the moment the leader stops until the followers'
 * election timeout fires: seconds in which no write commits and workers' heartbeats fail. With it, the chosen
 * follower starts an election at once (Ratis' TransferLeadership: the leader waits for the target's log to match,
 * then tells it to campaign), so the new leader is elected in the next term without waiting for a timeout.
 */
public final class LeaderHandover {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderHandover.class);
    /** How often the wait for another leader looks again; a hand-over takes a few round trips. */
    static final long POLL_MS = 20;

    /** What the hand-over did. */
    public enum Outcome {
        /** This member was not the leader: nothing to hand over. */
        NOT_LEADER,
        /** {@code shutdown.leaderTransferTimeoutMs} is 0. */
        DISABLED,
        /** No follower had been heard from recently enough to lead. */
        NO_FOLLOWER,
        /** Another member leads now. */
        TRANSFERRED,
        /** Ratis refused, or the bound passed before another member led. */
        FAILED
    }

    /** A follower as the leader sees it: the highest index it is known to hold, and how long since it last answered. */
    public record Follower(String id, long matchIndex, long lastResponseAgeMs) {}

    /**
     * @param targetId the follower asked to lead, null when none was
     * @param leaderId the leader once done, null when unknown
     * @param fromTerm this member's term when the hand-over began
     * @param term the term once done
     */
    public record Result(Outcome outcome, String targetId, String leaderId, long fromTerm, long term, String detail) {}

    private final RaftNode raft;
    private final long timeoutMs;
    private final long staleAfterMs;

    /**
     * @param timeoutMs bound on the whole hand-over (0: do not hand over)
     * @param staleAfterMs a follower not heard from for longer is not a candidate (it may be down)
     */
    public LeaderHandover(RaftNode raft, long timeoutMs, long staleAfterMs) {
        this.raft = raft;
        this.timeoutMs = timeoutMs;
        this.staleAfterMs = staleAfterMs;
    }

    /**
     * The follower to hand over to: the highest match index among those heard from within {@code staleAfterMs}; on a
     * tie the one heard from most recently. A caught-up target lets Ratis send it the election at once.
     */
    static Optional<Follower> chooseTarget(List<Follower> followers, long staleAfterMs) {
        return followers.stream()
                .filter(f -> f.lastResponseAgeMs() <= staleAfterMs)
                .max(Comparator.comparingLong(Follower::matchIndex)
                        .thenComparing(Comparator.comparingLong(Follower::lastResponseAgeMs)
                                .reversed()));
    }

    /** Hands over if this member leads; never throws. */
    public Result run() {
        DivisionInfo info;
        try {
            info = raft.info();
        } catch (RuntimeException e) {
            return new Result(Outcome.NOT_LEADER, null, null, -1, -1, e.getMessage());
        }
        long term = info.getCurrentTerm();
        if (!info.isLeader()) {
            return new Result(Outcome.NOT_LEADER, null, raft.leaderId(), term, term, "not the leader");
        }
        if (timeoutMs == 0) {
            LOG.info(
                    "stopping as leader of term {} without handing over (shutdown.leaderTransferTimeoutMs is 0)", term);
            return new Result(Outcome.DISABLED, null, raft.selfId(), term, term, "disabled");
        }
        List<Follower> followers = followers(info);
        Optional<Follower> target = chooseTarget(followers, staleAfterMs);
        if (target.isEmpty()) {
            LOG.warn(
                    "stopping as leader of term {}: no follower answered within {} ms ({}); the others elect a leader"
                            + " after their election timeout",
                    term,
                    staleAfterMs,
                    followers);
            return new Result(Outcome.NO_FOLLOWER, null, raft.selfId(), term, term, "no recent follower");
        }
        return transferTo(target.get(), term);
    }

    private Result transferTo(Follower target, long term) {
        LOG.info(
                "stopping as leader of term {}: handing leadership to {} (match index {}, our last index {}),"
                        + " waiting at most {} ms",
                term,
                target.id(),
                target.matchIndex(),
                raft.lastLogIndex(),
                timeoutMs);
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        String detail = awaitReply(target.id());
        String leader = awaitOtherLeader(deadlineNanos);
        long nowTerm = currentTerm();
        if (leader != null) {
            LOG.info(
                    "leadership handed over: {} leads in term {} (was {} in term {})",
                    leader,
                    nowTerm,
                    raft.selfId(),
                    term);
            return new Result(Outcome.TRANSFERRED, target.id(), leader, term, nowTerm, detail);
        }
        LOG.warn(
                "leadership hand-over to {} did not complete within {} ms ({}); stopping anyway: the others elect a"
                        + " leader after their election timeout",
                target.id(),
                timeoutMs,
                detail);
        return new Result(Outcome.FAILED, target.id(), raft.leaderId(), term, nowTerm, detail);
    }

    /** Ratis' answer to the transfer request, as text; the request carries the bound, the wait adds a little. */
    private String awaitReply(String targetId) {
        try {
            RaftClientReply reply =
                    raft.transferLeadershipAsync(targetId, timeoutMs).get(timeoutMs + POLL_MS, TimeUnit.MILLISECONDS);
            return reply.isSuccess() ? "transferred" : String.valueOf(reply.getException());
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause());
        } catch (TimeoutException e) {
            return "no answer within " + timeoutMs + " ms";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** The leader once it is another member, or null when the deadline passes first. */
    private String awaitOtherLeader(long deadlineNanos) {
        while (true) {
            String leader = currentLeader();
            if (leader != null && !leader.equals(raft.selfId())) {
                return leader;
            }
            if (System.nanoTime() - deadlineNanos >= 0 || Thread.currentThread().isInterrupted()) {
                return null;
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    private String currentLeader() {
        try {
            return raft.leaderId();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private long currentTerm() {
        try {
            return raft.info().getCurrentTerm();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * The followers with their match indexes. Ratis lists both (the role info's followers and the match indexes) from
     * the same list of log appenders, in the same order; if that list changed between the two reads (a membership
     * change), the lengths differ and no follower is trusted.
     */
    static List<Follower> followers(DivisionInfo info) {
        RoleInfoProto role = info.getRoleInfoProto();
        long[] match = info.getFollowerMatchIndices();
        List<ServerRpcProto> rpcs = role.hasLeaderInfo() ? role.getLeaderInfo().getFollowerInfoList() : List.of();
        if (rpcs.size() != match.length) {
            return List.of();
        }
        List<Follower> out = new ArrayList<>(match.length);
        for (int i = 0; i < match.length; i++) {
            ServerRpcProto f = rpcs.get(i);
            out.add(new Follower(f.getId().getId().toStringUtf8(), match[i], f.getLastRpcElapsedTimeMs()));
        }
        return out;
    }
}
