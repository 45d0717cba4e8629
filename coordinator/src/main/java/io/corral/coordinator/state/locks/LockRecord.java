package io.corral.coordinator.state.locks;

import io.corral.coordinator.state.Caller;
import io.corral.protocol.LockView;

/**
 * A held lock ({@code Space.LOCKS}); a free lock has no record.
 *
 * @param token fencing token: the Raft index of the entry that granted this hold
 * @param expiresAtMs leader time at which the hold lapses unless renewed; the leader then commits its expiry
 * @param waiterId the waiter id (acquire index) this grant went to from the queue, or 0 for an immediate grant. It
 *     lets a late {@code CancelLockWait} find that the waiter was granted meanwhile.
 * @param waiters acquirers queued behind this hold. Waiters exist only while the lock is held: a release either
 *     grants the first live waiter or drops every expired one until the queue is empty.
 * @param tenant the tenant of the token that acquired it ({@link io.corral.coordinator.state.Caller}): only it (or an
 *     admin) releases, renews and sees the token. Null when authentication was off and in records from before.
 */
public record LockRecord(
        String name,
        String owner,
        long token,
        long ttlMs,
        long acquiredAtMs,
        long expiresAtMs,
        long waiterId,
        int waiters,
        String tenant) {

    LockRecord withExpiresAtMs(long ms) {
        return new LockRecord(name, owner, token, ttlMs, acquiredAtMs, ms, waiterId, waiters, tenant);
    }

    LockRecord withWaiters(int count) {
        return new LockRecord(name, owner, token, ttlMs, acquiredAtMs, expiresAtMs, waiterId, count, tenant);
    }

    /** What {@code caller} sees: the token only when it controls the holder's tenant, 0 otherwise. */
    public LockView view(Caller caller) {
        long shown = caller.controls(tenant) ? token : 0;
        return new LockView(name, owner, shown, ttlMs, acquiredAtMs, expiresAtMs, waiters);
    }
}
