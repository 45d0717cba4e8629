package io.corral.coordinator.state.jobs;

import io.corral.coordinator.state.Codec;
import io.corral.coordinator.state.MetaCounters;
import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.JobState;
import io.corral.protocol.TaskState;

/**
 * The one place where tasks change state. A move keeps five things in step: the task record, the job's counts, the
 * PENDING index, JOBS_BY_STATE (plus JOBS_FINISHED and finishedAtMs when the job becomes or stops being terminal) and
 * the META counters. Illegal transitions throw: reaching one is a bug in the caller, not bad input.
 */
public final class Tasks {
    private Tasks() {}

    public static TaskRecord get(KvView view, long seq, int index) {
        byte[] value = view.get(Space.TASKS, JobKeys.task(seq, index));
        return value == null ? null : Codec.decode(value, TaskRecord.class);
    }

    public static JobRecord job(KvView view, long seq) {
        byte[] value = view.get(Space.JOBS, JobKeys.job(seq));
        return value == null ? null : Codec.decode(value, JobRecord.class);
    }

    /**
     * Moves one task to {@code next} and saves its job. {@code task} is the record as the caller wants it stored
     * (attempts, error already updated) with {@code task.state()} still the stored state.
     *
     * @return the stored task
     * @throws IllegalStateException on an illegal transition, or when {@code task} is not the stored task's state
     */
    public static TaskRecord transition(KvTxn txn, long nowMs, TaskRecord task, TaskState next) {
        JobRecord before = job(txn, task.jobSeq());
        if (before == null) {
            throw new IllegalStateException("task " + task.id() + " has no job");
        }
        JobRecord after = move(txn, before, task, next);
        saveJob(txn, nowMs, before, after);
        return task.withState(next);
    }

    /**
     * Moves one task and returns its job with updated counts, without writing the job: a caller moving many tasks
     * of one job (a cancel) writes the job once with {@link #saveJob}.
     */
    static JobRecord move(KvTxn txn, JobRecord job, TaskRecord task, TaskState next) {
        TaskRecord stored = get(txn, task.jobSeq(), task.index());
        if (stored == null || stored.state() != task.state() || task.jobSeq() != job.seq()) {
            throw new IllegalStateException("task " + task.id() + " is stored as " + stored + ", caller has " + task);
        }
        TaskState from = task.state();
        from.transitionTo(next);
        TaskRecord moved = task.withState(next);
        txn.put(Space.TASKS, JobKeys.task(task.jobSeq(), task.index()), Codec.encode(moved));
        byte[] pendingKey = JobKeys.pending(job.priority(), job.seq(), task.index());
        if (from == TaskState.PENDING) {
            txn.delete(Space.PENDING, pendingKey);
        }
        if (next == TaskState.PENDING) {
            txn.put(Space.PENDING, pendingKey, Keys.utf8(moved.id()));
        }
        MetaCounters.add(txn, MetaCounters.tasks(from), -1);
        MetaCounters.add(txn, MetaCounters.tasks(next), 1);
        return job.moved(from, next);
    }

    /**
     * Writes {@code after} (same job as {@code before}, counts changed by {@link #move}) and re-files the job if its
     * derived state changed. Returns what was written: finishedAtMs is set when the job becomes terminal and cleared
     * when a retry makes it live again.
     */
    static JobRecord saveJob(KvTxn txn, long nowMs, JobRecord before, JobRecord after) {
        JobState was = before.state();
        JobState now = after.state();
        long seq = after.seq();
        if (!was.isTerminal() && now.isTerminal()) {
            after = after.withFinishedAtMs(nowMs);
            txn.put(Space.JOBS_FINISHED, JobKeys.finished(nowMs, seq), Keys.utf8(after.id()));
        } else if (was.isTerminal() && !now.isTerminal()) {
            txn.delete(Space.JOBS_FINISHED, JobKeys.finished(before.finishedAtMs(), seq));
            after = after.withFinishedAtMs(0);
        }
        if (was != now) {
            txn.delete(Space.JOBS_BY_STATE, JobKeys.byState(was, seq));
            txn.put(Space.JOBS_BY_STATE, JobKeys.byState(now, seq), Keys.utf8(after.id()));
            MetaCounters.add(txn, MetaCounters.jobs(was), -1);
            MetaCounters.add(txn, MetaCounters.jobs(now), 1);
        }
        txn.put(Space.JOBS, JobKeys.job(seq), Codec.encode(after));
        return after;
    }
}
