package io.corral.coordinator.raft;

import io.corral.protocol.Response;

/**
 * What this member's writes came to: counts, the last commit, and since when every write has failed. The ground
 * truth behind "can this member commit?" ({@link WriteHealth}). Times are monotonic milliseconds.
 */
public final class WriteOutcomes {
    private long committed;
    private long failed;
    private long lastCommitMs = -1;
    private long stalledSinceMs = -1;
    private String lastFailure;

    /**
     * One write answered: {@code committed} when the command was applied (whatever the state machine answered),
     * otherwise {@code response} is the error its caller got.
     */
    synchronized void record(long nowMs, boolean committed, Response response) {
        if (committed) {
            this.committed++;
            lastCommitMs = nowMs;
            stalledSinceMs = -1;
        } else {
            this.failed++;
            if (stalledSinceMs < 0) {
                stalledSinceMs = nowMs;
            }
            lastFailure = response instanceof Response.ErrorReply e
                    ? e.code() + ": " + e.message()
                    : String.valueOf(response);
        }
    }

    /** True while the last write failed and none has committed since: the probe then commits one now and then. */
    synchronized boolean stalled() {
        return stalledSinceMs >= 0;
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(committed, failed, lastCommitMs, stalledSinceMs, lastFailure);
    }

    /**
     * @param committed writes applied since this member started
     * @param failed writes whose callers got an error without the command being applied (outcome unknown included)
     * @param lastCommitMs monotonic time of the last commit, -1 if none
     * @param stalledSinceMs monotonic time of the first failure after the last commit, -1 while the last write
     *     committed
     * @param lastFailure the last failure's code and message, or null
     */
    public record Snapshot(long committed, long failed, long lastCommitMs, long stalledSinceMs, String lastFailure) {}
}
