package io.corral.protocol;

/** How one lease of a task ended. */
public enum AttemptOutcome {
    SUCCEEDED,
    /** The holder reported an error (retryable or not). */
    FAILED,
    /** The leader saw the lease lapse without a heartbeat. */
    EXPIRED,
    /** The holder gave the task back unfinished (graceful drain); not counted as an attempt. */
    RELEASED,
    /** The job was cancelled while the task was leased; the lease was revoked. */
    CANCELLED
}
