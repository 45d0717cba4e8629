package io.corral.coordinator.state;

/**
 * Something an apply did that a waiting party outside the state machine may care about (for example a queued lock
 * acquirer that was granted). Events are facts of the replicated state, produced identically on every replica.
 */
public sealed interface Event {
    /** A queued acquirer was granted the lock by a release or an expiry. */
    record LockGranted(String name, long waiterId, String owner, long token, long expiresAtMs) implements Event {}

    /**
     * A job was cancelled while {@code workerId} held a lease on one of its tasks: the lease is gone and {@code
     * token} is stale, so the leader tells the worker to abort the task.
     */
    record LeaseRevoked(String taskId, String workerId, long token) implements Event {}

    /**
     * A task was leased by this entry (whose index is {@code token} and whose leader time is {@code grantedAtMs}).
     * {@code readyAtMs} is when it became leasable (0: not recorded, the task predates the field); the difference is
     * how long it waited in the queue. For metrics: nothing in the state depends on who listens.
     */
    record TaskLeased(String taskId, String workerId, long token, long readyAtMs, long grantedAtMs) implements Event {}

    /** A queued acquirer was removed without a grant. */
    record LockWaitEnded(String name, long waiterId) implements Event {}
}
