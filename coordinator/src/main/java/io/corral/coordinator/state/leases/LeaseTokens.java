package io.corral.coordinator.state.leases;

import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Space;

/**
 * Hands out task leases' fencing tokens: the Raft index of the granting command's entry, or, when a command earlier in
 * the same batched entry already took that number, the next free one. One token per granting command (a {@code
 * LeaseTasks}, or a {@code SubmitAndLease} for all its grants), so two commands of one entry never grant the same
 * token, tokens grow in the order grants are applied and are never reused, and every entry that holds one grant gets
 * its index, as every entry written before grants could share an entry did: an old log replays to the same tokens.
 * The last token handed out is kept in {@link Space#META} under {@code last-lease-token}.
 *
 * <p>Locks keep the entry's index as their token: a hold's token is compared with the index at which its leader's
 * term began ({@code Locks.isLapsed}), which a counter running ahead of the index would break.
 */
final class LeaseTokens {
    private static final byte[] KEY = Keys.utf8("last-lease-token");

    private LeaseTokens() {}

    /** The last token handed out, 0 while none was (or only before this key existed, when it was the index). */
    static long last(KvView view) {
        byte[] v = view.get(Space.META, KEY);
        return v == null ? 0 : Keys.readU64(v, 0);
    }

    /** The token of a grant applied in the entry at {@code index}; recorded as the last one. */
    static long next(KvTxn txn, long index) {
        long token = Math.max(last(txn) + 1, index);
        txn.put(Space.META, KEY, Keys.u64(token));
        return token;
    }
}
