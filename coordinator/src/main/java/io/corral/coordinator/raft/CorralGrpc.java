package io.corral.coordinator.raft;

import java.util.function.LongPredicate;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.raftlog.RaftLog;

/**
 * Ratis' gRPC transport with one fix carried until a Ratis release has it: RATIS-2500
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
 * <p>Selected with {@code RaftConfigKeys.Rpc.setType(properties, new CorralGrpc())}; the wire protocol is gRPC,
 * unchanged, so clients and members use it as before. Remove this class when a Ratis release has RATIS-2500.
 */
public final class CorralGrpc implements RpcType {
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

    /** Ratis' gRPC appender, deciding snapshot installs with {@link #needsSnapshot}. */
    static final class Appender extends GrpcLogAppender {
        Appender(RaftServer.Division server, LeaderState state, FollowerInfo follower) {
            super(server, state, follower);
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
            return needsSnapshot(
                    getRaftLog().getNextIndex(),
                    getRaftLog().getStartIndex(),
                    follower.getNextIndex(),
                    follower.getSnapshotIndex(),
                    next -> getPrevious(next) != null);
        }
    }
}
