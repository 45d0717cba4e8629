package io.corral.coordinator.state.jobs;

import io.corral.coordinator.state.MetaCounters;
import io.corral.coordinator.state.blobs.Blobs;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Scans;
import io.corral.coordinator.state.kv.Space;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Deletes jobs that finished longer ago than the retention, with everything that belongs to them. */
public final class JobGarbage {
    private JobGarbage() {}

    /** Deletes at most {@code max} jobs finished at {@code nowMs - retentionMs} or earlier; returns how many. */
    public static int collect(KvTxn txn, long nowMs, long retentionMs, int max) {
        List<byte[]> keys = Scans.keysUpTo(txn, Space.JOBS_FINISHED, nowMs - retentionMs, max);
        for (byte[] key : keys) {
            delete(txn, nowMs, JobQueries.requireJob(txn, JobKeys.finishedSeq(key)));
            txn.delete(Space.JOBS_FINISHED, key);
        }
        return keys.size();
    }

    public static boolean hasGarbage(KvView view, long nowMs, long retentionMs) {
        return Scans.firstIsDue(view, Space.JOBS_FINISHED, nowMs - retentionMs);
    }

    private static void delete(KvTxn txn, long nowMs, JobRecord job) {
        if (!job.state().isTerminal()) {
            throw new IllegalStateException("JOBS_FINISHED lists " + job.id() + ", which is " + job.state());
        }
        Map<String, Long> refs = new TreeMap<>();
        for (TaskRecord task : JobQueries.tasks(txn, job.seq())) {
            txn.delete(Space.TASKS, JobKeys.task(job.seq(), task.index()));
            MetaCounters.add(txn, MetaCounters.tasks(task.state()), -1);
            refs.merge(task.sha256(), 1L, Long::sum);
            if (task.result() != null) {
                refs.merge(task.result().sha256(), 1L, Long::sum);
            }
            TaskHistory.delete(txn, job.seq(), task.index());
        }
        refs.forEach((sha, count) -> Blobs.releaseRefs(txn, nowMs, sha, count));
        txn.delete(Space.JOBS, JobKeys.job(job.seq()));
        txn.delete(Space.JOBS_BY_STATE, JobKeys.byState(job.state(), job.seq()));
        if (job.owner() != null) {
            txn.delete(Space.JOBS_BY_OWNER, JobKeys.byOwner(job.owner(), job.state(), job.seq()));
        }
        if (job.idempotencyKey() != null) {
            txn.delete(Space.IDEMPOTENCY, JobKeys.idempotency(job.owner(), job.idempotencyKey()));
        }
        MetaCounters.add(txn, MetaCounters.jobs(job.state()), -1);
    }
}
