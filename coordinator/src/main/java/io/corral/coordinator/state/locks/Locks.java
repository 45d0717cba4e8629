package io.corral.coordinator.state.locks;

import io.corral.coordinator.state.Applied;
import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Codec;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.Event;
import io.corral.coordinator.state.MetaCounters;
import io.corral.coordinator.state.TermStart;
import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * The lock commands of one entry. A grant's token is the entry's Raft index, so tokens of successive grants strictly
 * increase; to keep that true an entry grants at most one lock, which this object asserts. Create one per entry.
 */
public final class Locks {
    private final long index;
    private final long nowMs;
    private final KvTxn txn;
    private final CoreLimits limits;
    private final boolean grantHeld;
    private boolean granted;

    public Locks(long index, long nowMs, KvTxn txn, CoreLimits limits) {
        this(index, nowMs, txn, limits, false);
    }

    /** @param grantHeld the deliberate bug {@link io.corral.coordinator.state.TestFault#GRANT_HELD_LOCKS} */
    public Locks(long index, long nowMs, KvTxn txn, CoreLimits limits, boolean grantHeld) {
        this.index = index;
        this.nowMs = nowMs;
        this.txn = txn;
        this.limits = limits;
        this.grantHeld = grantHeld;
    }

    public Applied acquire(Command.AcquireLock c) {
        LockRecord held = LockQueries.lock(txn, c.name());
        List<Event> events = List.of();
        if (held != null && isLapsed(held, nowMs, TermStart.read(txn)) && !grantHeld) {
            // The hold lapsed and the leader's ExpireLock is not applied yet: end it here, as release and renew already
            // treat it as ended, so no one is told the lock is held by a holder that no longer has it.
            events = handOver(held);
            held = LockQueries.lock(txn, c.name());
        }
        if (held == null) {
            MetaCounters.add(txn, MetaCounters.LOCKS_HELD, 1);
            return new Applied(granted(grant(c.name(), c.owner(), c.tenant(), c.ttlMs(), 0, 0)), events);
        }
        if (grantHeld) {
            // Deliberately wrong (test fault): the live holder is overwritten.
            txn.delete(Space.LOCK_EXPIRY, LockKeys.expiry(held.expiresAtMs(), c.name()));
            return Applied.of(granted(grant(c.name(), c.owner(), c.tenant(), c.ttlMs(), 0, held.waiters())));
        }
        if (c.waitMs() == 0) {
            return new Applied(
                    new Response.ErrorReply(
                            ErrorCode.LOCK_HELD,
                            "lock '" + c.name() + "' is held by '" + held.owner() + "' until " + held.expiresAtMs()
                                    + " ms"),
                    events);
        }
        if (held.waiters() >= limits.maxWaitersPerLock()) {
            return error(
                    ErrorCode.OVERLOADED,
                    "lock '" + c.name() + "' already has " + held.waiters()
                            + " acquirers waiting, the most allowed; try again later");
        }
        WaiterRecord waiter =
                new WaiterRecord(c.name(), index, c.owner(), c.ttlMs(), nowMs, nowMs + c.waitMs(), c.tenant());
        txn.put(Space.LOCK_WAITERS, LockKeys.waiter(c.name(), index), Codec.encode(waiter));
        txn.put(Space.WAITER_DEADLINES, LockKeys.deadline(waiter.deadlineMs(), c.name(), index), Keys.EMPTY);
        put(held.withWaiters(held.waiters() + 1));
        MetaCounters.add(txn, MetaCounters.LOCK_WAITERS, 1);
        return new Applied(new Response.LockQueued(c.name(), index, waiter.deadlineMs()), events);
    }

    /** The holder gives the lock up; the first live waiter, if any, is granted it with this entry's index. */
    public Applied release(Command.ReleaseLock c) {
        LockRecord lock = LockQueries.lock(txn, c.name());
        Response stale = notHolder(lock, Caller.orSystem(c.by()), "release");
        if (stale == null) {
            stale = staleToken(lock, c.name(), c.token());
        }
        if (stale == null) {
            stale = lapsed(lock, c.name(), c.token());
        }
        if (stale != null) {
            return Applied.of(stale);
        }
        return new Applied(new Response.LockReleased(c.name(), c.token()), handOver(lock));
    }

    /** Extends a hold that has not lapsed by its TTL, counted from now. */
    public Applied renew(Command.RenewLock c) {
        LockRecord lock = LockQueries.lock(txn, c.name());
        Response stale = notHolder(lock, Caller.orSystem(c.by()), "renew");
        if (stale == null) {
            stale = staleToken(lock, c.name(), c.token());
        }
        if (stale == null) {
            stale = lapsed(lock, c.name(), c.token());
        }
        if (stale != null) {
            return Applied.of(stale);
        }
        // Never shorten a hold: a new leader's clock may lag the old one's.
        LockRecord renewed = lock.withExpiresAtMs(Math.max(lock.expiresAtMs(), nowMs + lock.ttlMs()));
        txn.delete(Space.LOCK_EXPIRY, LockKeys.expiry(lock.expiresAtMs(), c.name()));
        txn.put(Space.LOCK_EXPIRY, LockKeys.expiry(renewed.expiresAtMs(), c.name()), Keys.EMPTY);
        put(renewed);
        return Applied.of(granted(renewed));
    }

    /**
     * A hold whose TTL has run out by this entry's time is over, even before its expiry is committed: its token is
     * refused from now on (promise 3), for a release as for a renewal, and the leader's expiry frees the lock.
     */
    private Response lapsed(LockRecord lock, String name, long token) {
        if (!isLapsed(lock, nowMs, TermStart.read(txn))) {
            return null;
        }
        return new Response.ErrorReply(
                ErrorCode.STALE_TOKEN,
                "lock '" + name + "' token " + token + " expired at " + lock.expiresAtMs() + " ms");
    }

    /**
     * Whether a hold has lapsed at {@code nowMs}: its expiry has passed, and, for a hold granted under an earlier
     * leader, its TTL has also run out since the current term's first entry. Its expiry was stamped with the earlier
     * leader's clock, which this leader's may run ahead of by any skew (a renewal under this leader sets an expiry on
     * this clock, at least this term's start plus the TTL).
     */
    public static boolean isLapsed(LockRecord lock, long nowMs, TermStart term) {
        if (lock.expiresAtMs() > nowMs) {
            return false;
        }
        return lock.token() >= term.index() || term.stampMs() + lock.ttlMs() <= nowMs;
    }

    /** The leader saw grant {@code token} lapse. A renewal or release that came first makes this a no-op. */
    public Applied expire(Command.ExpireLock c) {
        LockRecord lock = LockQueries.lock(txn, c.name());
        if (lock == null || lock.token() != c.token() || !isLapsed(lock, nowMs, TermStart.read(txn))) {
            return Applied.of(new Response.Ack());
        }
        return new Applied(new Response.LockReleased(c.name(), c.token()), handOver(lock));
    }

    /**
     * A waiter stops waiting. Still queued: it leaves the queue and gets the LOCK_HELD answer its acquire ends with;
     * this is a reply with an error code that writes, because giving up is a state change, not bad input. Granted
     * meanwhile: the grant stands and is returned, so the lock is never held by a party that does not know it.
     */
    public Applied cancelWait(Command.CancelLockWait c) {
        byte[] value = txn.get(Space.LOCK_WAITERS, LockKeys.waiter(c.name(), c.waiterId()));
        LockRecord lock = LockQueries.lock(txn, c.name());
        if (value != null) {
            WaiterRecord waiter = Codec.decode(value, WaiterRecord.class);
            if (lock == null) {
                throw new IllegalStateException("waiter " + c.waiterId() + " queued behind free lock " + c.name());
            }
            removeWaiter(waiter);
            put(lock.withWaiters(lock.waiters() - 1));
            Response reply = new Response.ErrorReply(
                    ErrorCode.LOCK_HELD, "gave up waiting for lock '" + c.name() + "', held by '" + lock.owner() + "'");
            return new Applied(reply, List.of(new Event.LockWaitEnded(c.name(), c.waiterId())));
        }
        if (lock != null && lock.waiterId() == c.waiterId()) {
            return Applied.of(granted(lock));
        }
        return error(ErrorCode.NOT_FOUND, "no acquirer " + c.waiterId() + " is waiting for lock '" + c.name() + "'");
    }

    /**
     * Ends the current hold: grants the lock to the first waiter whose deadline has not passed, dropping the expired
     * ones ahead of it; with no live waiter the lock becomes free.
     */
    private List<Event> handOver(LockRecord lock) {
        txn.delete(Space.LOCK_EXPIRY, LockKeys.expiry(lock.expiresAtMs(), lock.name()));
        List<Event> events = new ArrayList<>();
        int remaining = lock.waiters();
        for (WaiterRecord waiter : waitersThroughFirstLive(lock.name())) {
            removeWaiter(waiter);
            remaining--;
            if (waiter.deadlineMs() > nowMs) {
                LockRecord next = grant(
                        lock.name(), waiter.owner(), waiter.tenant(), waiter.ttlMs(), waiter.waiterId(), remaining);
                events.add(new Event.LockGranted(
                        lock.name(), waiter.waiterId(), waiter.owner(), next.token(), next.expiresAtMs()));
                return events;
            }
            events.add(new Event.LockWaitEnded(lock.name(), waiter.waiterId()));
        }
        if (remaining != 0) {
            throw new IllegalStateException("lock " + lock.name() + " counted " + lock.waiters() + " waiters, "
                    + remaining + " more than its queue holds");
        }
        txn.delete(Space.LOCKS, LockKeys.lock(lock.name()));
        MetaCounters.add(txn, MetaCounters.LOCKS_HELD, -1);
        return events;
    }

    /** The queue in FIFO order up to and including the first waiter still within its deadline. */
    private List<WaiterRecord> waitersThroughFirstLive(String name) {
        List<WaiterRecord> out = new ArrayList<>();
        byte[] prefix = LockKeys.waitersOf(name);
        txn.scan(Space.LOCK_WAITERS, prefix, Keys.prefixEnd(prefix), false, (key, value) -> {
            WaiterRecord waiter = Codec.decode(value, WaiterRecord.class);
            out.add(waiter);
            return waiter.deadlineMs() <= nowMs;
        });
        return out;
    }

    private LockRecord grant(String name, String owner, String tenant, long ttlMs, long waiterId, int waiters) {
        if (granted) {
            throw new IllegalStateException("entry " + index + " would grant a second lock with the same token");
        }
        granted = true;
        LockRecord lock = new LockRecord(name, owner, index, ttlMs, nowMs, nowMs + ttlMs, waiterId, waiters, tenant);
        put(lock);
        txn.put(Space.LOCK_EXPIRY, LockKeys.expiry(lock.expiresAtMs(), name), Keys.EMPTY);
        return lock;
    }

    private void removeWaiter(WaiterRecord waiter) {
        txn.delete(Space.LOCK_WAITERS, LockKeys.waiter(waiter.name(), waiter.waiterId()));
        txn.delete(Space.WAITER_DEADLINES, LockKeys.deadline(waiter.deadlineMs(), waiter.name(), waiter.waiterId()));
        MetaCounters.add(txn, MetaCounters.LOCK_WAITERS, -1);
    }

    /**
     * A held lock is released and renewed only by its holder's tenant (or an admin): its token is a Raft index, which
     * anyone can guess, so the token alone does not prove who holds it. Checked before the token, so a guess learns
     * nothing.
     */
    private static Response notHolder(LockRecord lock, Caller caller, String action) {
        if (lock == null || caller.controls(lock.tenant())) {
            return null;
        }
        return new Response.ErrorReply(
                ErrorCode.PERMISSION_DENIED,
                "lock '" + lock.name() + "' is not held by " + caller + "; only its holder or an admin may " + action
                        + " it");
    }

    private static Response staleToken(LockRecord lock, String name, long token) {
        if (lock == null) {
            return new Response.ErrorReply(
                    ErrorCode.STALE_TOKEN, "lock '" + name + "' is not held; token " + token + " is stale");
        }
        if (lock.token() != token) {
            return new Response.ErrorReply(
                    ErrorCode.STALE_TOKEN,
                    // Never the holder's token: it is what releases and renews the lock (issue 11).
                    "lock '" + name + "' is held under another token; token " + token + " is stale");
        }
        return null;
    }

    private void put(LockRecord lock) {
        txn.put(Space.LOCKS, LockKeys.lock(lock.name()), Codec.encode(lock));
    }

    private static Response granted(LockRecord lock) {
        return new Response.LockGranted(lock.name(), lock.owner(), lock.token(), lock.expiresAtMs());
    }

    private static Applied error(ErrorCode code, String message) {
        return Applied.of(new Response.ErrorReply(code, message));
    }
}
