package io.corral.coordinator.state;

import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Space;

/**
 * The first entry the state applied in the current Raft term: its term, index and the time its leader stamped on it.
 * Kept in {@link Space#META} under {@code term-start}, written by apply like any other state, so every replica holds
 * the same.
 *
 * <p>Why: a time stamped by one leader is compared with a time stamped by the next (a lock's expiry with an acquire's
 * time), and the next leader's clock may run ahead of the old one's by any skew. Every entry of an earlier term that
 * the new leader holds was stamped before it started its election, so before this entry: a hold granted under an
 * earlier leader that lasts its TTL from this entry's time, on this leader's clock, has lasted its TTL in real time.
 *
 * @param term the term, 0 when no entry of a known term was applied yet (then no hold waits for it)
 * @param index the entry's index: holds granted before it (their token is their grant's index) were granted under an
 *     earlier leader
 * @param stampMs the leader's time on the entry
 */
public record TermStart(long term, long index, long stampMs) {
    static final TermStart NONE = new TermStart(0, 0, 0);

    private static final byte[] KEY = Keys.utf8("term-start");

    public static TermStart read(KvView view) {
        byte[] v = view.get(Space.META, KEY);
        return v == null ? NONE : new TermStart(Keys.readU64(v, 0), Keys.readU64(v, 8), Keys.readU64(v, 16));
    }

    /** Records {@code index} as the start of {@code term} when it is the first entry applied in that term. */
    static void advance(KvTxn txn, long term, long index, long stampMs) {
        if (term > read(txn).term()) {
            byte[] v = new byte[24];
            System.arraycopy(Keys.u64(term), 0, v, 0, 8);
            System.arraycopy(Keys.u64(index), 0, v, 8, 8);
            System.arraycopy(Keys.u64(stampMs), 0, v, 16, 8);
            txn.put(Space.META, KEY, v);
        }
    }
}
