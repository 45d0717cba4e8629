package io.corral.coordinator.state.leases;

import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.LeaseResult;
import io.corral.coordinator.state.jobs.AttemptRecord;
import io.corral.coordinator.state.jobs.JobKeys;
import io.corral.coordinator.state.jobs.JobRecord;
import io.corral.coordinator.state.jobs.JobRules;
import io.corral.coordinator.state.jobs.PendingQueue;
import io.corral.coordinator.state.jobs.TaskHistory;
import io.corral.coordinator.state.jobs.TaskLease;
import io.corral.coordinator.state.jobs.TaskRecord;
import io.corral.coordinator.state.jobs.Tasks;
import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Scans;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.AttemptView;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.util.ArrayList;
import java.util.List;

/** Reads of the lease indexes: for apply, for the leader's housekeeping and dispatch, and for queries. */
public final class LeaseQueries {
    private LeaseQueries() {}

    /**
     * Expiry decisions due at {@code nowMs}, soonest expiry first, at most {@code max}: the leader commits them. The
     * backoff settings are the leader's configuration, carried in each command.
     */
    public static List<Command> due(KvView view, long nowMs, int max, long backoffBaseMs, long backoffCapMs) {
        List<Command> out = new ArrayList<>();
        for (byte[] key : Scans.keysUpTo(view, Space.LEASE_EXPIRY, nowMs, max)) {
            TaskRecord task = leased(view, key);
            out.add(new Command.ExpireLease(task.id(), task.lease().token(), backoffBaseMs, backoffCapMs));
        }
        return out;
    }

    /** When the soonest backoff ends (a task becomes leasable), or -1 when no task is backing off. */
    public static long nextBackoffEndMs(KvView view) {
        byte[] first = Scans.firstKey(view, Space.BACKOFF);
        return first == null ? -1 : Keys.readU64(first, 0);
    }

    /** The tasks {@code workerId} holds leases on, by task key. A worker holds at most its slots' worth. */
    public static List<TaskRecord> leasesOf(KvView view, String workerId) {
        List<TaskRecord> out = new ArrayList<>();
        byte[] prefix = JobKeys.workerLeasesOf(workerId);
        for (byte[] key : Scans.keysWithPrefix(view, Space.WORKER_LEASES, prefix)) {
            JobKeys.TaskRef ref = JobKeys.taskAt(key, prefix.length);
            out.add(Tasks.get(view, ref.seq(), ref.index()));
        }
        return out;
    }

    /** Whether {@code workerId} holds the lease of a task whose input is image {@code sha256}. */
    public static boolean holdsInput(KvView view, String workerId, String sha256) {
        for (TaskRecord task : leasesOf(view, workerId)) {
            if (task.sha256().equals(sha256)) {
                return true;
            }
        }
        return false;
    }

    /** The grant of a LEASED task as its worker must receive it, from the task and its job. */
    public static LeaseResult.Grant grantOf(KvView view, TaskRecord task) {
        if (task.state() != TaskState.LEASED) {
            throw new IllegalArgumentException(task.id() + " is " + task.state() + ", not LEASED");
        }
        return grant(task, Tasks.job(view, task.jobSeq()), task.lease());
    }

    /** What the worker needs to run {@code task} under {@code lease}: the one place a grant is put together. */
    static LeaseResult.Grant grant(TaskRecord task, JobRecord job, TaskLease lease) {
        return new LeaseResult.Grant(
                task.id(),
                job.id(),
                task.sha256(),
                task.size(),
                task.image(),
                job.operations(),
                job.taskTimeoutMs(),
                lease.token(),
                lease.expiresAtMs());
    }

    /** {@link Request.GetTask}: the task, its lease and its attempts, or NOT_FOUND. */
    public static Response describe(KvView view, String taskId, Caller caller) {
        TaskDetail d = taskDetail(view, taskId);
        if (d == null) {
            return new Response.ErrorReply(ErrorCode.NOT_FOUND, "no task '" + taskId + "'");
        }
        Response refusal = JobRules.readRefusal(caller, Tasks.job(view, d.task().jobSeq()));
        if (refusal != null) {
            return refusal;
        }
        TaskRecord t = d.task();
        List<AttemptView> attempts = new ArrayList<>();
        for (AttemptRecord a : d.history()) {
            attempts.add(
                    new AttemptView(a.workerId(), a.token(), a.startedAtMs(), a.endedAtMs(), a.outcome(), a.error()));
        }
        return new Response.TaskDetail(
                JobKeys.jobId(t.jobSeq()),
                t.view(),
                d.maxAttempts(),
                t.lease() == null ? 0 : t.lease().token(),
                t.lease() == null ? 0 : t.lease().expiresAtMs(),
                t.result() == null ? 0 : t.result().token(),
                attempts);
    }

    /** A task with everything the core knows about it, or null when there is no such task. */
    public static TaskDetail taskDetail(KvView view, String taskId) {
        JobKeys.TaskRef ref = JobKeys.parseTaskId(taskId);
        TaskRecord task = ref == null ? null : Tasks.get(view, ref.seq(), ref.index());
        if (task == null) {
            return null;
        }
        JobRecord job = Tasks.job(view, ref.seq());
        return new TaskDetail(task, job.maxAttempts(), TaskHistory.of(view, ref.seq(), ref.index()));
    }

    /** Moves tasks whose backoff ended at or before {@code nowMs} back to the pending queue, a bounded number. */
    static void promoteDueBackoffs(KvTxn txn, long nowMs) {
        for (byte[] key : Scans.keysUpTo(txn, Space.BACKOFF, nowMs, CoreLimits.MAX_BACKOFF_PROMOTIONS_PER_ENTRY)) {
            JobKeys.TaskRef ref = JobKeys.taskAt(key, 8);
            TaskRecord task = Tasks.get(txn, ref.seq(), ref.index());
            if (task == null || task.state() != TaskState.PENDING || task.notBeforeMs() != Keys.readU64(key, 0)) {
                throw new IllegalStateException(
                        "BACKOFF lists " + JobKeys.taskId(ref.seq(), ref.index()) + " but its record is " + task);
            }
            Tasks.update(txn, task.withNotBeforeMs(0));
        }
    }

    /** The next {@code max} tasks of the pending queue, in lease order. */
    static List<TaskRecord> nextPending(KvView view, int max) {
        List<TaskRecord> out = new ArrayList<>();
        for (String id : PendingQueue.peek(view, max)) {
            JobKeys.TaskRef ref = JobKeys.parseTaskId(id);
            out.add(Tasks.get(view, ref.seq(), ref.index()));
        }
        return out;
    }

    /**
     * Every lease that expires before {@code untilMs}. Unbounded on purpose: live leases number at most the workers'
     * slots (thousands), the same order as the tasks of one job that a cancel moves in one entry.
     */
    static List<TaskRecord> leasesExpiringBefore(KvView view, long untilMs) {
        List<TaskRecord> out = new ArrayList<>();
        for (byte[] key : Scans.keysUpTo(view, Space.LEASE_EXPIRY, untilMs - 1, Integer.MAX_VALUE)) {
            out.add(leased(view, key));
        }
        return out;
    }

    private static TaskRecord leased(KvView view, byte[] expiryKey) {
        JobKeys.TaskRef ref = JobKeys.taskAt(expiryKey, 8);
        TaskRecord task = Tasks.get(view, ref.seq(), ref.index());
        if (task == null
                || task.state() != TaskState.LEASED
                || task.lease().expiresAtMs() != Keys.readU64(expiryKey, 0)) {
            throw new IllegalStateException(
                    "LEASE_EXPIRY lists " + JobKeys.taskId(ref.seq(), ref.index()) + " but its record is " + task);
        }
        return task;
    }
}
