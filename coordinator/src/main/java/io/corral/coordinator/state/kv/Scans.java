package io.corral.coordinator.state.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * Scan shapes the core uses again and again. They collect keys first and return them, because a caller must not write
 * to a space while it is scanning that space.
 */
public final class Scans {
    private Scans() {}

    /**
     * Keys of a time-ordered index (keys that start with a u64 time) whose time is {@code <= cutoffMs}, oldest first,
     * at most {@code max}. A negative cutoff matches nothing, because the core stores no negative times.
     */
    public static List<byte[]> keysUpTo(KvView view, Space space, long cutoffMs, int max) {
        List<byte[]> keys = new ArrayList<>();
        if (cutoffMs < 0 || max <= 0) {
            return keys;
        }
        view.scan(space, null, Keys.upToU64(cutoffMs), false, (key, value) -> {
            keys.add(key);
            return keys.size() < max;
        });
        return keys;
    }

    /** Every key that starts with {@code prefix}, ascending. Callers bound the prefix (one job's tasks, one blob). */
    public static List<byte[]> keysWithPrefix(KvView view, Space space, byte[] prefix) {
        List<byte[]> keys = new ArrayList<>();
        view.scan(space, prefix, Keys.prefixEnd(prefix), false, (key, value) -> keys.add(key));
        return keys;
    }

    /** The smallest key of a space, or null when it is empty. */
    public static byte[] firstKey(KvView view, Space space) {
        byte[][] first = new byte[1][];
        view.scan(space, null, null, false, (key, value) -> {
            first[0] = key;
            return false;
        });
        return first[0];
    }

    /** Deletes every key that starts with {@code prefix}; returns how many. */
    public static int deletePrefix(KvTxn txn, Space space, byte[] prefix) {
        List<byte[]> keys = keysWithPrefix(txn, space, prefix);
        for (byte[] key : keys) {
            txn.delete(space, key);
        }
        return keys.size();
    }

    /** Whether the oldest entry of a time-ordered index (keys start with a u64 time) is at or before {@code cutoffMs}. */
    public static boolean firstIsDue(KvView view, Space space, long cutoffMs) {
        byte[] first = firstKey(view, space);
        return first != null && cutoffMs >= 0 && Keys.readU64(first, 0) <= cutoffMs;
    }
}
