package io.corral.coordinator.state.locks;

/**
 * An acquirer queued behind a held lock ({@code Space.LOCK_WAITERS}).
 *
 * @param waiterId Raft index of its acquire entry; orders the queue
 * @param deadlineMs leader time after which it gives up
 * @param tenant as in {@link LockRecord}
 */
public record WaiterRecord(
        String name, long waiterId, String owner, long ttlMs, long enqueuedAtMs, long deadlineMs, String tenant) {}
