package io.corral.worker.internal;

import io.corral.systemd.Health;

/**
 * What the systemd watchdog asks a worker: is its session loop (register, heartbeat, reconnect) alive and making
 * progress? Not whether it is connected: a worker that keeps retrying while the cluster is down is healthy, and
 * restarting it would only drop the tasks it runs.
 */
public final class WorkerHealth {
    /** Slack on top of the longest legitimate pass through the loop: scheduling, a GC pause. */
    static final long STALL_SLACK_MS = 5_000;

    private WorkerHealth() {}

    /**
     * @param started whether the session loop was started (before that there is nothing to watch)
     * @param alive whether its thread is alive
     * @param stopping whether the worker is stopping (the loop ends on purpose)
     * @param sinceProgressMs how long since the loop last passed a progress mark
     * @param stallBoundMs the longest a healthy loop goes between marks ({@link #stallBoundMs})
     */
    public static Health evaluate(
            boolean started, boolean alive, boolean stopping, long sinceProgressMs, long stallBoundMs) {
        if (!started || stopping) {
            return Health.OK;
        }
        if (!alive) {
            return Health.unhealthy("the worker's session thread has died");
        }
        if (sinceProgressMs > stallBoundMs) {
            return Health.unhealthy("the worker's session loop has made no progress for " + sinceProgressMs
                    + " ms (a healthy one passes within " + stallBoundMs + " ms)");
        }
        return Health.OK;
    }

    /**
     * The longest a healthy session loop goes between progress marks: one pause (the heartbeat interval or the
     * longest registration backoff) and the requests of one pass (a heartbeat, then at most two to find the leader;
     * each is bounded by the request timeout), plus {@link #STALL_SLACK_MS}.
     */
    public static long stallBoundMs(long requestTimeoutMs, long heartbeatIntervalMs, long registerBackoffMaxMs) {
        return Math.max(heartbeatIntervalMs, registerBackoffMaxMs) + 3 * requestTimeoutMs + STALL_SLACK_MS;
    }
}
