package io.corral.coordinator.state.requests;

import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Scans;
import io.corral.coordinator.state.kv.Space;
import java.util.Arrays;
import java.util.List;

/**
 * The answers of recently applied client requests, by request id (the Raft client's id and call id), replicated
 * with the rest of the state. A request applied again (a resend that Ratis' in-memory retry cache no longer knew,
 * because the member restarted or the cache expired) gets the first answer and changes nothing: each request takes
 * effect at most once. Records are dropped {@link #RETENTION_MS} after they were applied, a few per entry.
 */
public final class AppliedRequests {
    /**
     * How long a request's answer is kept: far longer than a coordinator resends a request (its
     * {@code raft.requestTimeoutMs}, at most {@link #MAX_RESEND_WINDOW_MS}, plus one attempt in flight).
     */
    public static final long RETENTION_MS = 10 * 60_000;

    /** The longest request timeout a coordinator may be configured with, so that its resends fall in the retention. */
    public static final long MAX_RESEND_WINDOW_MS = 2 * 60_000;

    /** Most expired records one entry deletes: bounded work per entry; at any steady rate it keeps up. */
    public static final int COLLECT_PER_ENTRY = 4;

    /** Longest request id kept: a UUID and a call id fit many times over. */
    public static final int MAX_ID_CHARS = 128;

    private AppliedRequests() {}

    /** The answer recorded for {@code requestId}, or null when it was not applied (or its record was dropped). */
    public static byte[] answer(KvView view, String requestId) {
        byte[] value = view.get(Space.REQUESTS, Keys.utf8(requestId));
        return value == null ? null : Arrays.copyOfRange(value, 8, value.length);
    }

    /** Records the answer of a request applied at {@code nowMs} (leader time). */
    public static void record(KvTxn txn, String requestId, long nowMs, byte[] answer) {
        if (requestId.isEmpty() || requestId.length() > MAX_ID_CHARS) {
            throw new IllegalArgumentException("request id of " + requestId.length() + " chars");
        }
        byte[] id = Keys.utf8(requestId);
        txn.put(Space.REQUESTS, id, Keys.concat(Keys.u64(nowMs), answer));
        txn.put(Space.REQUESTS_BY_AGE, Keys.concat(Keys.u64(nowMs), id), Keys.EMPTY);
    }

    /** Drops at most {@code max} records applied {@link #RETENTION_MS} or more before {@code nowMs}, oldest first. */
    public static int collect(KvTxn txn, long nowMs, int max) {
        List<byte[]> keys = Scans.keysUpTo(txn, Space.REQUESTS_BY_AGE, nowMs - RETENTION_MS, max);
        for (byte[] key : keys) {
            byte[] id = Arrays.copyOfRange(key, 8, key.length);
            byte[] value = txn.get(Space.REQUESTS, id);
            // A request id recorded twice (never by the state machine: a duplicate is answered, not recorded) would
            // leave an older index key; only the record that key describes is deleted.
            if (value != null && Keys.readU64(value, 0) == Keys.readU64(key, 0)) {
                txn.delete(Space.REQUESTS, id);
            }
            txn.delete(Space.REQUESTS_BY_AGE, key);
        }
        return keys.size();
    }
}
