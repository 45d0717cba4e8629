package io.corral.coordinator.state.kv;

/**
 * A sequence of numbers taken from Raft indexes: the index of the entry whose command takes one, or, when a command
 * earlier in the same batched entry already took that number, the next free one. Numbers therefore grow in the order
 * commands are applied, are never reused, and equal the entry's index for every entry that holds one taker (every
 * entry written before batches existed: an old log replays to the same numbers). The last number handed out is kept
 * in {@link Space#META} under the sequence's key, so it survives whatever the numbers named.
 */
public final class IndexSequence {
    private final byte[] key;

    /** A sequence kept under {@code key} in {@link Space#META}. */
    public IndexSequence(String key) {
        this.key = Keys.utf8(key);
    }

    /** The last number handed out, 0 while none was (or only before the key existed, when it was the index). */
    public long last(KvView view) {
        byte[] v = view.get(Space.META, key);
        return v == null ? 0 : Keys.readU64(v, 0);
    }

    /** The number of a taker applied in the entry at {@code index}; recorded as the last one. */
    public long next(KvTxn txn, long index) {
        long number = Math.max(last(txn) + 1, index);
        txn.put(Space.META, key, Keys.u64(number));
        return number;
    }
}
