package io.corral.coordinator.state;

/**
 * Something an apply did that a waiting party outside the state machine may care about (for example a queued lock
 * acquirer that was granted). Events are facts of the replicated state, produced identically on every replica.
 */
public sealed interface Event {
    /** A queued acquirer was granted the lock by a release or an expiry. */
    record LockGranted(String name, long waiterId, String owner, long token, long expiresAtMs) implements Event {}

    /** A queued acquirer was removed without a grant. */
    record LockWaitEnded(String name, long waiterId) implements Event {}
}
