package io.corral.coordinator.lifecycle;

import io.corral.systemd.Readiness;

/**
 * When a coordinator tells systemd it is ready ({@code READY=1}), and the status line it shows meanwhile. A pure
 * function of Raft indexes and the leader, so the rule is tested without a cluster.
 *
 * <p>Ready means: this member has applied the log it found on disk at start-up, and it sees a leader. Before that a
 * client reaching it would be served by a member still replaying (its stale reads lag, its writes wait) or by a
 * cluster without a leader; an orchestrator that restarts members one by one waits for this before the next.
 *
 * <p>Ready does not mean caught up with the leader: a member that comes back after a long absence is ready once its
 * own log is applied and a leader is known, and then catches up by replication or a snapshot like any follower
 * ({@code corral cluster wait-healthy} waits for that too).
 */
public final class CoordinatorReadiness {
    private CoordinatorReadiness() {}

    /**
     * @param selfId this member's id
     * @param startupLastIndex the index of the last entry in this member's log when it started (-1: empty)
     * @param appliedIndex the index this member has applied
     * @param lastLogIndex the index of the last entry in its log now
     * @param leaderId the leader this member knows, or null
     * @param term this member's current term
     */
    public static Readiness evaluate(
            String selfId, long startupLastIndex, long appliedIndex, long lastLogIndex, String leaderId, long term) {
        long target = replayTarget(startupLastIndex, lastLogIndex);
        if (appliedIndex < target) {
            return Readiness.notReady("replaying log: applied " + appliedIndex + " of " + target);
        }
        if (leaderId == null) {
            return Readiness.notReady("waiting for a leader (term " + term + ", applied " + appliedIndex + ")");
        }
        String who = leaderId.equals(selfId) ? leaderId + " (this member)" : leaderId;
        return Readiness.ready("leader " + who + ", term " + term);
    }

    /**
     * The index replay must reach: the last index found at start-up, or less if the log has since been cut shorter.
     * Entries this member had but never saw committed may be replaced by a new leader with a shorter log; waiting
     * for the old last index would then wait for traffic that may never come, so the index the log holds now caps it.
     */
    static long replayTarget(long startupLastIndex, long lastLogIndex) {
        return Math.min(startupLastIndex, lastLogIndex);
    }
}
