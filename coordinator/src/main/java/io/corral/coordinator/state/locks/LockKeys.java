package io.corral.coordinator.state.locks;

import io.corral.coordinator.state.kv.Keys;

/**
 * Keys of the lock spaces. Lock names contain no NUL (validated), so {@code name | 0x00} is an unambiguous prefix.
 *
 * <pre>
 * LOCKS             name                                   -> LockRecord
 * LOCK_WAITERS      name | 0x00 | u64 waiter id            -> WaiterRecord   (FIFO: waiter ids are Raft indexes)
 * LOCK_EXPIRY       u64 expires at ms | name               -> empty
 * WAITER_DEADLINES  u64 deadline ms | name | 0x00 | u64 id -> empty
 * </pre>
 */
public final class LockKeys {
    private LockKeys() {}

    public static byte[] lock(String name) {
        return Keys.utf8(name);
    }

    public static byte[] waitersOf(String name) {
        return Keys.concat(Keys.utf8(name), Keys.SEPARATOR);
    }

    public static byte[] waiter(String name, long waiterId) {
        return Keys.concat(waitersOf(name), Keys.u64(waiterId));
    }

    public static byte[] expiry(long expiresAtMs, String name) {
        return Keys.concat(Keys.u64(expiresAtMs), Keys.utf8(name));
    }

    static String expiryName(byte[] key) {
        return Keys.utf8(key, 8, key.length);
    }

    public static byte[] deadline(long deadlineMs, String name, long waiterId) {
        return Keys.concat(Keys.u64(deadlineMs), waiter(name, waiterId));
    }

    static String deadlineName(byte[] key) {
        return Keys.utf8(key, 8, key.length - 9);
    }

    static long deadlineWaiterId(byte[] key) {
        return Keys.readU64(key, key.length - 8);
    }
}
