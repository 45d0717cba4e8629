package io.corral.coordinator.state.locks;

import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Codec;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.TermStart;
import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Scans;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import io.corral.protocol.LockView;
import io.corral.protocol.Response;
import java.util.ArrayList;
import java.util.List;

/** Read-only answers about locks, and the leader's view of which lock decisions are due. */
public final class LockQueries {
    private LockQueries() {}

    public static LockRecord lock(KvView view, String name) {
        byte[] value = view.get(Space.LOCKS, LockKeys.lock(name));
        return value == null ? null : Codec.decode(value, LockRecord.class);
    }

    public static Response get(KvView view, String name, Caller caller) {
        LockRecord lock = lock(view, name);
        if (lock == null) {
            return new Response.ErrorReply(ErrorCode.NOT_FOUND, "lock '" + name + "' is not held");
        }
        return new Response.LockDetail(lock.view(caller));
    }

    /** Held locks by name, at most {@link Limits#MAX_LIST_LIMIT}; tokens only of those {@code caller} holds. */
    public static Response list(KvView view, Caller caller) {
        List<LockView> locks = new ArrayList<>();
        view.scan(Space.LOCKS, null, null, false, (key, value) -> {
            locks.add(Codec.decode(value, LockRecord.class).view(caller));
            return locks.size() < Limits.MAX_LIST_LIMIT;
        });
        return new Response.LockList(locks);
    }

    /**
     * Lock decisions due at {@code nowMs}: an expiry for each hold whose TTL lapsed, then a cancel for each waiter
     * whose deadline passed; at most {@code max} in all, oldest first.
     */
    public static List<Command> due(KvView view, long nowMs, int max) {
        List<Command> out = new ArrayList<>();
        TermStart term = TermStart.read(view);
        for (byte[] key : Scans.keysUpTo(view, Space.LOCK_EXPIRY, nowMs, max)) {
            String name = LockKeys.expiryName(key);
            LockRecord lock = lock(view, name);
            if (lock == null || lock.expiresAtMs() != Keys.readU64(key, 0)) {
                throw new IllegalStateException("LOCK_EXPIRY lists " + name + " but its record is " + lock);
            }
            if (Locks.isLapsed(lock, nowMs, term)) {
                out.add(new Command.ExpireLock(name, lock.token()));
            }
        }
        for (byte[] key : Scans.keysUpTo(view, Space.WAITER_DEADLINES, nowMs, max - out.size())) {
            out.add(new Command.CancelLockWait(LockKeys.deadlineName(key), LockKeys.deadlineWaiterId(key)));
        }
        return out;
    }
}
