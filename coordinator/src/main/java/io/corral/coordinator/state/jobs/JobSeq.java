package io.corral.coordinator.state.jobs;

import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Space;

/**
 * Hands out job seqs ({@code "job-<seq>"}): the Raft index of the submission's entry, or, when an earlier submission
 * already took that number (several submissions in one batched entry take consecutive numbers from its index on),
 * the next free one. Seqs therefore grow with submission order, are never reused, and equal the entry's index for
 * every entry that holds one submission (every entry written before batches existed: replaying an old log gives the
 * same ids). The last seq handed out is kept in {@link Space#META} under {@code last-job-seq}, so it survives the
 * deletion of the jobs themselves.
 */
final class JobSeq {
    private static final byte[] KEY = Keys.utf8("last-job-seq");

    private JobSeq() {}

    /** The last seq handed out, 0 while none was (or only before this key existed, when seq was always the index). */
    static long last(KvView view) {
        byte[] v = view.get(Space.META, KEY);
        return v == null ? 0 : Keys.readU64(v, 0);
    }

    /** The seq of a submission applied in the entry at {@code index}; recorded as the last one. */
    static long next(KvTxn txn, long index) {
        long seq = Math.max(last(txn) + 1, index);
        txn.put(Space.META, KEY, Keys.u64(seq));
        return seq;
    }
}
