package io.corral.coordinator.raft;

import java.util.function.LongPredicate;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ratis' gRPC transport with fixes carried until a Ratis release has them. The first, RATIS-2500
 * (https://github.com/apache/ratis/pull/1567, merged after 3.3.0, the newest release on Maven Central).
 *
 * <p>A leader whose log starts at the follower's next index, and whose own snapshot is not exactly the entry before
 * it, cannot name the previous entry of an appendEntries. Ratis 3.3.0 then notifies the follower to install a
 * snapshot; a follower whose snapshot already covers that entry answers {@code ALREADY_INSTALLED}; the leader sets
 * the same next index and notifies again, forever, and the follower never catches up. Our state machine reports its
 * applied mark as its snapshot (so a restart replays only the tail), which makes this the common case after a
 * restart, not a corner: the fault-injection harness found it (docs/jepsen.md). Ratis' own append path already sends
 * entries without a previous entry when the follower's snapshot ends just before them; the fix lets it get there.
 *
 * <p>A second fix, for a hang the harness found after RATIS-2500 (not reported upstream yet): in notification mode a
 * follower reloads the checkpoint its state machine downloaded only when the <em>next</em> install notification
 * arrives. Until then it refuses every append, answering with its own log's next index; when that index is past the
 * leader's log start (a restarted ex-leader whose log holds an entry of its old term there), Ratis' leader appends from
 * it and never notifies again, and the follower waits forever. The appender here keeps notifying a follower once an
 * install is under way until the follower is known to hold the entry before the leader's log start (its snapshot, or
 * an acknowledged append, covers it): notifications are what carry the install to its end.
 *
 * <p>A third change, for latency (not reported upstream yet): a follower learns of a new commit index at once, in an
 * append without entries, when there is nothing else to send it ({@link #pushesCommit}); Ratis otherwise relies on its
 * log-metadata entries for that, an entry of its own per commit, which {@code RaftNode.appendAtOnce} turns off.
 *
 * <p>Selected with {@code RaftConfigKeys.Rpc.setType(properties, new CorralGrpc())}; the wire protocol is gRPC,
 * unchanged, so clients and members use it as before. Remove this class when a Ratis release has all three.
 */
public final class CorralGrpc implements RpcType {
    private static final Logger LOG = LoggerFactory.getLogger(CorralGrpc.class);

    /** Ratis creates the type again from this name, by reflection. */
    @Override
    public String name() {
        return CorralGrpc.class.getName();
    }

    @Override
    public RpcFactory newFactory(Parameters parameters) {
        return new Factory(parameters);
    }

    /**
     * Whether a follower must be brought up to date by a snapshot rather than by appending entries, apart from the
     * bootstrapping case (a new member's first install).
     *
     * @param leaderNext the index the leader's log appends next
     * @param leaderStart the first index still in the leader's log, or {@link RaftLog#INVALID_LOG_INDEX}
     * @param followerNext the next index the leader has for the follower
     * @param followerSnapshot the snapshot index the follower last reported
     * @param previousKnown whether the leader can name the term of the entry before the given next index
     */
    static boolean needsSnapshot(
            long leaderNext, long leaderStart, long followerNext, long followerSnapshot, LongPredicate previousKnown) {
        if (followerNext >= leaderNext) {
            return false; // caught up
        }
        if (leaderStart == RaftLog.INVALID_LOG_INDEX || followerNext < leaderStart) {
            return true; // the entries the follower needs are purged here
        }
        if (followerNext != leaderStart || followerNext <= RaftLog.LEAST_VALID_LOG_INDEX) {
            return false; // the leader has the previous entry in its log
        }
        if (followerSnapshot + 1 == followerNext) {
            return false; // RATIS-2500: the follower's snapshot ends just before; append without a previous entry
        }
        return !previousKnown.test(followerNext);
    }

    /**
     * Whether to notify a follower again because an install it was told about may not be finished: the leader has
     * not heard of a snapshot or an acknowledged append at or past the entry before its log start.
     *
     * @param leaderStart the first index still in the leader's log, or {@link RaftLog#INVALID_LOG_INDEX}
     * @param followerSnapshot the snapshot index the follower last reported in an install reply
     * @param followerMatch the last index the follower acknowledged appending
     */
    static boolean installStillUnderWay(long leaderStart, long followerSnapshot, long followerMatch) {
        if (leaderStart == RaftLog.INVALID_LOG_INDEX) {
            return false; // an empty log: the next index alone decides (needsSnapshot)
        }
        return followerSnapshot + 1 < leaderStart && followerMatch + 1 < leaderStart;
    }

    /**
     * Whether to send a follower an append without entries that carries the leader's new commit index. Ratis' appender
     * wakes when the commit index moves and sees the follower behind it, but sends only entries or a due heartbeat: with
     * nothing new to send, the follower learned of the commit only at the next heartbeat (half an election timeout
     * later) and applied the write that much later, unless the leader appended an entry of its own on every commit (its
     * log-metadata entries, off here: they cost an entry, a write to every log and an apply per commit).
     *
     * @param leaderCommit the leader's commit index
     * @param followerCommit the commit index the follower last reported
     * @param pushed the highest commit index already pushed to this follower this way
     * @param followerNext the next index the leader has for the follower
     * @param leaderNext the index the leader's log appends next
     * @param appendInFlight whether an append with entries awaits the follower's reply (the reply wakes the appender
     *     again; an append without entries sent beside it could name no previous entry, and so no commit index)
     */
    static boolean pushesCommit(
            long leaderCommit,
            long followerCommit,
            long pushed,
            long followerNext,
            long leaderNext,
            boolean appendInFlight) {
        return leaderCommit > followerCommit && leaderCommit > pushed && followerNext >= leaderNext && !appendInFlight;
    }

    /** The gRPC factory with the fixed appender. */
    static final class Factory extends GrpcFactory {
        Factory(Parameters parameters) {
            super(parameters);
        }

        @Override
        public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
            return new Appender(server, state, follower);
        }
    }

    /**
     * Ratis' gRPC appender, deciding snapshot installs with {@link #needsSnapshot}, carrying a notified install to its
     * end with {@link #installStillUnderWay}, and sending a follower a new commit index when there is nothing else to
     * send ({@link #pushesCommit}).
     */
    static final class Appender extends GrpcLogAppender {
        /** The highest commit index pushed in an append without entries; only the appender's own thread uses it. */
        private long commitPushed = RaftLog.INVALID_LOG_INDEX;

        /** Whether this leader notified the follower to install and has not yet heard that it did. */
        private volatile boolean installNotified;
        /** Whether the last decision notified only because an install was under way (logged once per install). */
        private volatile boolean carrying;

        Appender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
            super(server, state, follower);
        }

        /**
         * Ratis builds the next append here when its loop sees something to send or the follower's commit index behind;
         * for the latter alone it builds nothing. Then this builds an append without entries, as a heartbeat is, which
         * carries the commit index.
         */
        @Override
        public AppendEntriesRequestProto newAppendEntriesRequest(long callId, boolean heartbeat)
                throws RaftLogIOException {
            AppendEntriesRequestProto request = super.newAppendEntriesRequest(callId, heartbeat);
            if (request != null || heartbeat) {
                return request;
            }
            FollowerInfo follower = getFollower();
            long committed = getRaftLog().getLastCommittedIndex();
            if (!pushesCommit(
                    committed,
                    follower.getCommitIndex(),
                    commitPushed,
                    follower.getNextIndex(),
                    getRaftLog().getNextIndex(),
                    hasPendingDataRequests())) {
                return null;
            }
            commitPushed = committed;
            return super.newAppendEntriesRequest(callId, true);
        }

        @Override
        public boolean shouldInstallSnapshot(boolean hasSnapshot) {
            FollowerInfo follower = getFollower();
            if (getLeaderState().isFollowerBootstrapping(follower) && !follower.hasAttemptedToInstallSnapshot()) {
                if (!hasSnapshot) {
                    // Nothing to send: count the attempt so the new member leaves staging by appending entries.
                    follower.setAttemptedToInstallSnapshot();
                }
                return true;
            }
            long leaderStart = getRaftLog().getStartIndex();
            boolean byNextIndex = needsSnapshot(
                    getRaftLog().getNextIndex(),
                    leaderStart,
                    follower.getNextIndex(),
                    follower.getSnapshotIndex(),
                    next -> getPrevious(next) != null);
            boolean underWay = !byNextIndex
                    && installNotified
                    && installStillUnderWay(leaderStart, follower.getSnapshotIndex(), follower.getMatchIndex());
            if (underWay && !carrying) {
                LOG.info(
                        "{}: an install is under way though the follower reports next index {} (the log starts at {});"
                                + " notifying until it reports the snapshot",
                        follower.getName(),
                        follower.getNextIndex(),
                        leaderStart);
            }
            carrying = underWay;
            installNotified = byNextIndex || underWay;
            return installNotified;
        }
    }
}
