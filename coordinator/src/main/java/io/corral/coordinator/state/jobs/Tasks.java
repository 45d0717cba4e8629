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
 * The one place where tasks change state. A move keeps six things in step: the task record, the job's counts, the
 * task indexes (PENDING or BACKOFF, LEASE_EXPIRY and WORKER_LEASES), JOBS_BY_STATE (plus JOBS_FINISHED and finishedAtMs when the job becomes or stops being terminal) and
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
        JobRecord after = move(txn, nowMs, before, task, next);
        saveJob(txn, nowMs, before, after);
        return task.withState(next);
    }

    /**
     * Moves one task and returns its job with updated counts, without writing the job: a caller moving many tasks
     * of one job (a cancel) writes the job once with {@link #saveJob}. A task entering LEASED must carry its lease; a
     * task leaving LEASED loses it, and only a PENDING task keeps a {@code notBeforeMs}. A task entering PENDING is
     * ready from {@code nowMs}, or from the end of its backoff.
     */
    public static JobRecord move(KvTxn txn, long nowMs, JobRecord job, TaskRecord task, TaskState next) {
        TaskRecord stored = get(txn, task.jobSeq(), task.index());
        if (stored == null || stored.state() != task.state() || task.jobSeq() != job.seq()) {
            throw new IllegalStateException("task " + task.id() + " is stored as " + stored + ", caller has " + task);
        }
        TaskState from = task.state();
        from.transitionTo(next);
        TaskRecord moved = task.withState(next);
        if (next != TaskState.LEASED) {
            moved = moved.withLease(null);
        } else if (moved.lease() == null) {
            throw new IllegalStateException("task " + task.id() + " would be LEASED without a lease");
        }
        if (next != TaskState.PENDING) {
            moved = moved.withNotBeforeMs(0);
        } else {
            moved = moved.withReadyAtMs(moved.notBeforeMs() > 0 ? moved.notBeforeMs() : nowMs);
        }
        unindex(txn, job, stored);
        txn.put(Space.TASKS, JobKeys.task(task.jobSeq(), task.index()), Codec.encode(moved));
        index(txn, job, moved);
        MetaCounters.add(txn, MetaCounters.tasks(from), -1);
        MetaCounters.add(txn, MetaCounters.tasks(next), 1);
        return job.moved(from, next);
    }

    /**
     * Rewrites a task without a state change (a heartbeat extends its lease, a progress report, a backoff that ran
     * out), moving its index entries if the lease expiry or the backoff changed.
     */
    public static TaskRecord update(KvTxn txn, TaskRecord task) {
        TaskRecord stored = get(txn, task.jobSeq(), task.index());
        if (stored == null || stored.state() != task.state()) {
            throw new IllegalStateException("task " + task.id() + " is stored as " + stored + ", caller has " + task);
        }
        if ((task.state() == TaskState.LEASED) != (task.lease() != null)
                || (task.state() != TaskState.PENDING && task.notBeforeMs() != 0)) {
            throw new IllegalStateException("inconsistent task " + task);
        }
        JobRecord job = job(txn, task.jobSeq());
        unindex(txn, job, stored);
        txn.put(Space.TASKS, JobKeys.task(task.jobSeq(), task.index()), Codec.encode(task));
        index(txn, job, task);
        return task;
    }

    /**
     * The index entries of a task: PENDING is in the pending queue, or in BACKOFF while its backoff runs; LEASED is in
     * LEASE_EXPIRY and its worker's WORKER_LEASES.
     */
    private static void index(KvTxn txn, JobRecord job, TaskRecord task) {
        if (task.state() == TaskState.PENDING) {
            if (task.notBeforeMs() > 0) {
                txn.put(
                        Space.BACKOFF,
                        JobKeys.backoff(task.notBeforeMs(), task.jobSeq(), task.index()),
                        Keys.utf8(task.id()));
            } else {
                txn.put(Space.PENDING, JobKeys.pending(job.priority(), job.seq(), task.index()), Keys.utf8(task.id()));
            }
        } else if (task.state() == TaskState.LEASED) {
            TaskLease lease = task.lease();
            byte[] token = Keys.u64(lease.token());
            txn.put(Space.LEASE_EXPIRY, JobKeys.leaseExpiry(lease.expiresAtMs(), task.jobSeq(), task.index()), token);
            txn.put(Space.WORKER_LEASES, JobKeys.workerLease(lease.workerId(), task.jobSeq(), task.index()), token);
        }
    }

    private static void unindex(KvTxn txn, JobRecord job, TaskRecord task) {
        if (task.state() == TaskState.PENDING) {
            if (task.notBeforeMs() > 0) {
                txn.delete(Space.BACKOFF, JobKeys.backoff(task.notBeforeMs(), task.jobSeq(), task.index()));
            } else {
                txn.delete(Space.PENDING, JobKeys.pending(job.priority(), job.seq(), task.index()));
            }
        } else if (task.state() == TaskState.LEASED) {
            TaskLease lease = task.lease();
            txn.delete(Space.LEASE_EXPIRY, JobKeys.leaseExpiry(lease.expiresAtMs(), task.jobSeq(), task.index()));
            txn.delete(Space.WORKER_LEASES, JobKeys.workerLease(lease.workerId(), task.jobSeq(), task.index()));
        }
    }

    /**
     * Writes {@code after} (same job as {@code before}, counts changed by {@link #move}) and re-files the job if its
     * derived state changed. Returns what was written: finishedAtMs is set when the job becomes terminal and cleared
     * when a retry makes it live again.
     */
    public static JobRecord saveJob(KvTxn txn, long nowMs, JobRecord before, JobRecord after) {
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
            if (after.owner() != null) {
                txn.delete(Space.JOBS_BY_OWNER, JobKeys.byOwner(after.owner(), was, seq));
                txn.put(Space.JOBS_BY_OWNER, JobKeys.byOwner(after.owner(), now, seq), Keys.utf8(after.id()));
            }
            MetaCounters.add(txn, MetaCounters.jobs(was), -1);
            MetaCounters.add(txn, MetaCounters.jobs(now), 1);
        }
        txn.put(Space.JOBS, JobKeys.job(seq), Codec.encode(after));
        return after;
    }
}
