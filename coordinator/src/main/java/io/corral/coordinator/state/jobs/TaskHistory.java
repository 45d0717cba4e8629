package io.corral.coordinator.state.jobs;

import io.corral.coordinator.state.Codec;
import io.corral.coordinator.state.MetaCounters;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Scans;
import io.corral.coordinator.state.kv.Space;
import java.util.ArrayList;
import java.util.List;

/**
 * The attempt history of each task, in its own key space so that progress reports and heartbeats, which rewrite the
 * task record, do not rewrite the history too. Bounded: a task keeps its last {@link #MAX_ATTEMPTS_KEPT} attempts,
 * so a task retried by hand again and again cannot grow without limit (Limits.MAX_ATTEMPTS caps one run at 100).
 */
public final class TaskHistory {
    /** Enough for the default attempt limits and a few manual retries; older attempts are dropped first. */
    public static final int MAX_ATTEMPTS_KEPT = 20;

    private TaskHistory() {}

    /**
     * Records an ended lease, counts it by outcome ({@link MetaCounters#attemptsEnded}) and drops the oldest attempts
     * beyond the bound. Every ended lease passes here, so the count is complete.
     */
    public static void append(KvTxn txn, TaskRecord task, AttemptRecord attempt) {
        MetaCounters.add(txn, MetaCounters.attemptsEnded(attempt.outcome()), 1);
        txn.put(
                Space.TASK_ATTEMPTS,
                JobKeys.attempt(task.jobSeq(), task.index(), attempt.token()),
                Codec.encode(attempt));
        List<byte[]> keys = Scans.keysWithPrefix(txn, Space.TASK_ATTEMPTS, JobKeys.task(task.jobSeq(), task.index()));
        for (int i = 0; i < keys.size() - MAX_ATTEMPTS_KEPT; i++) {
            txn.delete(Space.TASK_ATTEMPTS, keys.get(i));
        }
    }

    /** The kept attempts of one task, oldest first. */
    public static List<AttemptRecord> of(KvView view, long seq, int index) {
        List<AttemptRecord> out = new ArrayList<>();
        byte[] prefix = JobKeys.task(seq, index);
        for (byte[] key : Scans.keysWithPrefix(view, Space.TASK_ATTEMPTS, prefix)) {
            out.add(Codec.decode(view.get(Space.TASK_ATTEMPTS, key), AttemptRecord.class));
        }
        return out;
    }

    static void delete(KvTxn txn, long seq, int index) {
        Scans.deletePrefix(txn, Space.TASK_ATTEMPTS, JobKeys.task(seq, index));
    }
}
