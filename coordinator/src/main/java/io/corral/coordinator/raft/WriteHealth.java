package io.corral.coordinator.raft;

/**
 * Whether this member can commit. Unhealthy when every write it made for at least {@code writeStallMs} failed while a
 * leader was known and reachable: such a member refuses clients' and workers' writes (and, as leader, makes none of
 * its own decisions) although nothing outside it stops it, which only a restart would mend if the write path did not
 * heal itself. A member with no leader in sight (the minority side of a partition, an election) is not unhealthy:
 * restarting it would change nothing, and in a partition would restart every member cut off at once.
 *
 * @param healthy whether this member can commit, as far as its writes tell
 * @param problem why not, in words an operator can act on; null when healthy
 */
public record WriteHealth(boolean healthy, String problem) {
    public static final WriteHealth OK = new WriteHealth(true, null);

    /**
     * @param outcomes this member's writes so far
     * @param nowMs monotonic time, the same clock as the outcomes'
     * @param writeStallMs how long writes may fail with a leader in sight before the member is unhealthy
     * @param reachableLeader the leader this member hears from (itself when it leads), or null when it hears none
     */
    public static WriteHealth evaluate(
            WriteOutcomes.Snapshot outcomes, long nowMs, long writeStallMs, String reachableLeader) {
        if (outcomes.stalledSinceMs() < 0 || reachableLeader == null) {
            return OK;
        }
        long stalledMs = nowMs - outcomes.stalledSinceMs();
        if (stalledMs < writeStallMs) {
            return OK;
        }
        String since = outcomes.lastCommitMs() < 0
                ? "no write has committed since this member started"
                : "the last committed " + (nowMs - outcomes.lastCommitMs()) / 1000 + " s ago";
        return new WriteHealth(
                false,
                "cannot commit: every write for " + stalledMs / 1000 + " s failed although leader " + reachableLeader
                        + " is reachable (" + since + "; last error " + outcomes.lastFailure() + ")");
    }
}
