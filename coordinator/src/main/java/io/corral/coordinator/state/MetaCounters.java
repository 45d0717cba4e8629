package io.corral.coordinator.state;

import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.AttemptOutcome;
import io.corral.protocol.JobState;
import io.corral.protocol.TaskState;

/**
 * Gauges of the stored state kept in {@link Space#META} under {@code counter/<name>} (8-byte big-endian), updated by
 * every apply in the same transaction as the change they count, so metrics read them in O(1) instead of scanning.
 * The other META keys belong to the Raft adapter (last applied index); the prefix keeps the two apart.
 */
public final class MetaCounters {
    public static final String LOCKS_HELD = "locks.held";
    public static final String LOCK_WAITERS = "locks.waiters";
    public static final String BLOBS_STORED = "blobs.stored";
    public static final String BLOB_BYTES_STORED = "blobs.bytes";

    /**
     * Monotonic totals (never decremented, not even when jobs are collected): leases granted, leases the leader
     * expired, tasks that exhausted their attempts, and ended attempts by outcome ({@link #attemptsEnded}). Stale
     * completions are not counted here: a refused command writes nothing, so the worker service counts those
     * refusals outside the state machine.
     */
    public static final String LEASES_GRANTED = "leases.granted";

    public static final String LEASES_EXPIRED = "leases.expired";
    public static final String TASKS_DEAD_LETTERED = "tasks.deadLettered";

    private static final String PREFIX = "counter/";

    private MetaCounters() {}

    public static String tasks(TaskState state) {
        return "tasks." + state.name();
    }

    public static String jobs(JobState state) {
        return "jobs." + state.name();
    }

    /** Leases that ended with {@code outcome} (a monotonic total, like {@link #LEASES_GRANTED}). */
    public static String attemptsEnded(AttemptOutcome outcome) {
        return "attempts.ended." + outcome.name();
    }

    public static long get(KvView view, String name) {
        byte[] value = view.get(Space.META, key(name));
        return value == null ? 0 : Keys.readU64(value, 0);
    }

    /** Adds {@code delta}; a gauge below zero means some apply forgot an increment, which is a bug. */
    public static void add(KvTxn txn, String name, long delta) {
        if (delta == 0) {
            return;
        }
        long next = get(txn, name) + delta;
        if (next < 0) {
            throw new IllegalStateException("counter " + name + " would become " + next);
        }
        if (next == 0) {
            txn.delete(Space.META, key(name));
        } else {
            txn.put(Space.META, key(name), Keys.u64(next));
        }
    }

    private static byte[] key(String name) {
        return Keys.utf8(PREFIX + name);
    }
}
