package io.corral.coordinator.state.leases;

import io.corral.coordinator.state.Applied;
import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.Event;
import io.corral.coordinator.state.InvalidCommandException;
import io.corral.coordinator.state.LeaseResult;
import io.corral.coordinator.state.MetaCounters;
import io.corral.coordinator.state.blobs.BlobGrants;
import io.corral.coordinator.state.blobs.BlobRecord;
import io.corral.coordinator.state.blobs.Blobs;
import io.corral.coordinator.state.jobs.AttemptRecord;
import io.corral.coordinator.state.jobs.JobKeys;
import io.corral.coordinator.state.jobs.JobQueries;
import io.corral.coordinator.state.jobs.JobRecord;
import io.corral.coordinator.state.jobs.JobRules;
import io.corral.coordinator.state.jobs.Jobs;
import io.corral.coordinator.state.jobs.TaskHistory;
import io.corral.coordinator.state.jobs.TaskLease;
import io.corral.coordinator.state.jobs.TaskProgress;
import io.corral.coordinator.state.jobs.TaskRecord;
import io.corral.coordinator.state.jobs.TaskResult;
import io.corral.coordinator.state.jobs.Tasks;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.protocol.AttemptOutcome;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.util.ArrayList;
import java.util.List;

/**
 * The lease commands of one command of an entry. A lease's fencing token comes from {@link LeaseTokens} (the Raft index
 * of the entry that granted it, unless an earlier grant of the same batched entry took it); only the holder of the
 * current, unexpired token may complete, fail, extend, release or report progress on a task, and a refusal writes
 * nothing. Expiry is the leader's decision ({@link Command.ExpireLease}), re-checked here against the entry's time.
 * Create one per command: every grant through one instance shares its token.
 */
public final class Leases {
    private final long index;
    private final long nowMs;
    private final KvTxn txn;
    private final boolean acceptStale;
    /** The token of this command's grants, taken from {@link LeaseTokens} at the first grant; 0 before. */
    private long grantToken;

    public Leases(long index, long nowMs, KvTxn txn) {
        this(index, nowMs, txn, false);
    }

    /** @param acceptStale the deliberate bug {@link io.corral.coordinator.state.TestFault#ACCEPT_STALE_TOKENS} */
    public Leases(long index, long nowMs, KvTxn txn, boolean acceptStale) {
        this.index = index;
        this.nowMs = nowMs;
        this.txn = txn;
        this.acceptStale = acceptStale;
    }

    /**
     * Grants up to {@code maxTasks} pending tasks in queue order. Tasks whose backoff ran out first return to the
     * queue (at most {@link io.corral.coordinator.state.CoreLimits#MAX_BACKOFF_PROMOTIONS_PER_ENTRY} per entry), so
     * a backed-off task is never granted early and never skipped once its time came.
     */
    public Applied lease(Command.LeaseTasks c) {
        LeaseQueries.promoteDueBackoffs(txn, nowMs);
        List<LeaseResult.Grant> grants = new ArrayList<>();
        List<Event> leased = new ArrayList<>();
        for (TaskRecord task : LeaseQueries.nextPending(txn, c.maxTasks())) {
            JobRecord job = Tasks.job(txn, task.jobSeq());
            if (grantToken == 0) {
                grantToken = LeaseTokens.TOKENS.next(txn, index);
            }
            TaskLease lease = new TaskLease(c.workerId(), grantToken, nowMs, nowMs + c.leaseTtlMs());
            Tasks.transition(
                    txn,
                    nowMs,
                    task.withAttempts(task.attempts() + 1).withLease(lease).withProgress(null),
                    TaskState.LEASED);
            grants.add(LeaseQueries.grant(task, job, lease));
            leased.add(new Event.TaskLeased(task.id(), c.workerId(), grantToken, task.readyAtMs(), nowMs));
        }
        MetaCounters.add(txn, MetaCounters.LEASES_GRANTED, grants.size());
        return Applied.of(new LeaseResult.Granted(grants), leased);
    }

    /** A heartbeat: each listed lease still current and unexpired lasts until at least now + TTL. */
    public Applied extend(Command.ExtendLeases c) {
        List<LeaseResult.LeaseState> extended = new ArrayList<>();
        List<LeaseResult.StaleLease> stale = new ArrayList<>();
        for (Command.LeaseRef ref : c.leases()) {
            if (acceptStale && succeeded(ref.taskId()) != null) {
                // Deliberately wrong (test fault): the holder of a finished task is told to carry on.
                extended.add(new LeaseResult.LeaseState(ref.taskId(), ref.token(), nowMs + c.leaseTtlMs()));
                continue;
            }
            String why = staleReason(ref.taskId(), ref.token(), c.workerId());
            if (why != null) {
                stale.add(new LeaseResult.StaleLease(ref.taskId(), ref.token(), why));
                continue;
            }
            TaskRecord task = current(ref.taskId(), ref.token());
            // Never shorten a lease: a new leader's clock may lag the old one's.
            long until = Math.max(task.lease().expiresAtMs(), nowMs + c.leaseTtlMs());
            if (until != task.lease().expiresAtMs()) {
                Tasks.update(txn, task.withLease(task.lease().withExpiresAtMs(until)));
            }
            extended.add(new LeaseResult.LeaseState(ref.taskId(), ref.token(), until));
        }
        return Applied.of(new LeaseResult.Leases(extended, stale), List.of());
    }

    /** Graceful drain: each listed current lease ends RELEASED and its task is PENDING again, the attempt uncounted. */
    public Applied release(Command.ReleaseLeases c) {
        List<LeaseResult.LeaseState> released = new ArrayList<>();
        List<LeaseResult.StaleLease> stale = new ArrayList<>();
        for (Command.LeaseRef ref : c.leases()) {
            String why = staleReason(ref.taskId(), ref.token(), c.workerId());
            if (why != null) {
                stale.add(new LeaseResult.StaleLease(ref.taskId(), ref.token(), why));
                continue;
            }
            TaskRecord task = current(ref.taskId(), ref.token());
            TaskHistory.append(txn, task, Jobs.ended(task, nowMs, AttemptOutcome.RELEASED, null));
            Tasks.transition(txn, nowMs, task.withAttempts(task.attempts() - 1), TaskState.PENDING);
            released.add(new LeaseResult.LeaseState(ref.taskId(), ref.token(), 0));
        }
        return Applied.of(new LeaseResult.Leases(released, stale), List.of());
    }

    /** Commits the result: the holder's blob becomes the task's result, referenced until the job is collected. */
    public Applied complete(Command.CompleteTask c) {
        TaskRecord task = acceptStale ? succeeded(c.taskId()) : null;
        if (task != null) {
            return completeAgain(task, c);
        }
        task = current(c.taskId(), c.token(), c.workerId());
        requireResult(c);
        Blobs.addRefs(txn, c.resultSha256(), 1);
        // The job's owner may download its result, although another tenant's worker uploaded it.
        BlobGrants.grant(txn, Tasks.job(txn, task.jobSeq()).owner(), c.resultSha256());
        TaskHistory.append(txn, task, Jobs.ended(task, nowMs, AttemptOutcome.SUCCEEDED, null));
        TaskResult result = new TaskResult(
                c.resultSha256(), c.resultSize(), c.token(), task.lease().workerId());
        Tasks.transition(txn, nowMs, task.withResult(result).withError(null), TaskState.SUCCEEDED);
        return updated(task, TaskState.SUCCEEDED);
    }

    /**
     * The completion's result must be a sealed blob of the declared size, and one the worker's tenant may use (it
     * uploaded it): another tenant's image is answered as if it were not stored.
     */
    private void requireResult(Command.CompleteTask c) {
        BlobRecord blob = c.tenant() == null || BlobGrants.granted(txn, c.tenant(), c.resultSha256())
                ? Blobs.sealed(txn, c.resultSha256())
                : null;
        if (blob == null) {
            throw new InvalidCommandException(
                    ErrorCode.BLOB_MISSING,
                    "result " + c.resultSha256() + " of task " + c.taskId()
                            + " is not stored in the cluster; upload it, then complete again");
        }
        if (blob.size() != c.resultSize()) {
            throw new InvalidCommandException(
                    ErrorCode.BAD_REQUEST,
                    "result of task " + c.taskId() + " declares " + c.resultSize() + " bytes but the stored blob "
                            + c.resultSha256() + " has " + blob.size());
        }
    }

    /** The task if it exists and already SUCCEEDED, else null. */
    private TaskRecord succeeded(String taskId) {
        JobKeys.TaskRef ref = JobKeys.parseTaskId(taskId);
        TaskRecord task = ref == null ? null : Tasks.get(txn, ref.seq(), ref.index());
        return task != null && task.state() == TaskState.SUCCEEDED ? task : null;
    }

    /**
     * Deliberately wrong (test fault ACCEPT_STALE_TOKENS): a late completion of a task that already SUCCEEDED commits a
     * second result, with its stale token, over the first.
     */
    private Applied completeAgain(TaskRecord task, Command.CompleteTask c) {
        requireResult(c);
        Blobs.addRefs(txn, c.resultSha256(), 1);
        Blobs.releaseRefs(txn, nowMs, task.result().sha256(), 1);
        String worker = task.result().workerId();
        TaskHistory.append(
                txn, task, new AttemptRecord(worker, c.token(), nowMs, nowMs, AttemptOutcome.SUCCEEDED, null));
        Tasks.update(txn, task.withResult(new TaskResult(c.resultSha256(), c.resultSize(), c.token(), worker)));
        return updated(task, TaskState.SUCCEEDED);
    }

    /** A non-retryable failure ends the task FAILED; a retryable one is handled like an expiry. */
    public Applied fail(Command.FailTask c) {
        TaskRecord task = current(c.taskId(), c.token(), c.workerId());
        TaskHistory.append(txn, task, Jobs.ended(task, nowMs, AttemptOutcome.FAILED, c.error()));
        if (!c.retryable()) {
            Tasks.transition(txn, nowMs, task.withError(c.error()), TaskState.FAILED);
            return updated(task, TaskState.FAILED);
        }
        return updated(task, retryOrBury(task, c.error(), c.backoffBaseMs(), c.backoffCapMs()));
    }

    public Applied progress(Command.ReportProgress c) {
        TaskRecord task = current(c.taskId(), c.token(), c.workerId());
        String message = c.message() == null ? "" : c.message();
        Tasks.update(txn, task.withProgress(new TaskProgress(c.percent(), message, nowMs, c.token())));
        return updated(task, TaskState.LEASED);
    }

    /**
     * The leader saw lease {@code token} lapse. A heartbeat, completion, release or cancel that came first makes this
     * a no-op, as does a lease that, by this entry's time, has not lapsed after all.
     */
    public Applied expire(Command.ExpireLease c) {
        JobKeys.TaskRef ref = JobKeys.parseTaskId(c.taskId());
        TaskRecord task = ref == null ? null : Tasks.get(txn, ref.seq(), ref.index());
        if (task == null
                || task.state() != TaskState.LEASED
                || task.lease().token() != c.token()
                || task.lease().expiresAtMs() > nowMs) {
            TaskState state = task == null ? null : task.state();
            return Applied.of(new LeaseResult.Expired(c.taskId(), false, state), List.of());
        }
        TaskLease lease = task.lease();
        String error = "lease of worker '" + lease.workerId() + "' (token " + lease.token() + ") expired at "
                + lease.expiresAtMs() + " ms without a heartbeat";
        TaskHistory.append(txn, task, Jobs.ended(task, nowMs, AttemptOutcome.EXPIRED, error));
        MetaCounters.add(txn, MetaCounters.LEASES_EXPIRED, 1);
        TaskState next = retryOrBury(task, error, c.backoffBaseMs(), c.backoffCapMs());
        return Applied.of(new LeaseResult.Expired(c.taskId(), true, next), List.of());
    }

    /** A new leader's grace: every lease lasts at least until now + grace. */
    public Applied extendAll(Command.ExtendAllLeases c) {
        long until = nowMs + c.graceMs();
        List<TaskRecord> live = LeaseQueries.leasesExpiringBefore(txn, until);
        for (TaskRecord task : live) {
            Tasks.update(txn, task.withLease(task.lease().withExpiresAtMs(until)));
        }
        return Applied.of(new LeaseResult.AllExtended(live.size(), until), List.of());
    }

    /**
     * Puts the DEAD and FAILED tasks of a job, or one such task, back to PENDING with their attempts reset (history
     * kept). Other tasks are untouched. A cancelled job stays cancelled: its tasks are not retried.
     */
    public Applied retry(Command.RetryTasks c) {
        JobKeys.TaskRef taskRef = JobKeys.parseTaskId(c.id());
        long seq = taskRef != null ? taskRef.seq() : JobKeys.parseJobId(c.id());
        JobRecord before = seq < 0 ? null : Tasks.job(txn, seq);
        TaskRecord one = taskRef == null || before == null ? null : Tasks.get(txn, seq, taskRef.index());
        if (before == null || (taskRef != null && one == null)) {
            throw new InvalidCommandException(ErrorCode.NOT_FOUND, "no job or task '" + c.id() + "'");
        }
        Response.ErrorReply refusal = JobRules.refusal(Caller.orSystem(c.by()), before, "retry");
        if (refusal != null) {
            throw new InvalidCommandException(refusal.code(), refusal.message());
        }
        if (before.cancelled()) {
            throw new InvalidCommandException(
                    ErrorCode.CONFLICT, "job " + before.id() + " was cancelled; its tasks are not retried");
        }
        List<TaskRecord> tasks = one != null ? List.of(one) : JobQueries.tasks(txn, seq);
        JobRecord after = before;
        int retried = 0;
        for (TaskRecord task : tasks) {
            if (task.state() == TaskState.DEAD || task.state() == TaskState.FAILED) {
                after = Tasks.move(txn, nowMs, after, task.withAttempts(0), TaskState.PENDING);
                retried++;
            }
        }
        if (retried > 0) {
            Tasks.saveJob(txn, nowMs, before, after);
        }
        return Applied.of(new LeaseResult.Retried(retried), List.of());
    }

    /**
     * After a counted attempt ended in error: PENDING again after a backoff while attempts remain, else DEAD (the
     * dead letter) with the last error. Returns the new state.
     */
    private TaskState retryOrBury(TaskRecord task, String error, long baseMs, long capMs) {
        JobRecord job = Tasks.job(txn, task.jobSeq());
        if (task.attempts() < job.maxAttempts()) {
            long delayMs = Backoff.delayMs(task.jobSeq(), task.index(), task.attempts(), baseMs, capMs);
            TaskRecord next = task.withError(error).withNotBeforeMs(delayMs > 0 ? nowMs + delayMs : 0);
            Tasks.transition(txn, nowMs, next, TaskState.PENDING);
            return TaskState.PENDING;
        }
        String dead =
                "gave up after " + task.attempts() + " of " + job.maxAttempts() + " attempts; last error: " + error;
        Tasks.transition(txn, nowMs, task.withError(dead), TaskState.DEAD);
        MetaCounters.add(txn, MetaCounters.TASKS_DEAD_LETTERED, 1);
        return TaskState.DEAD;
    }

    /**
     * The task, if {@code token} is its current unexpired lease.
     *
     * @throws InvalidCommandException NOT_FOUND for an unknown task, STALE_LEASE for any other token
     */
    /**
     * {@link #current(String, long)}, and the lease must be {@code workerId}'s: a fencing token orders a task's
     * holders, it does not say who may act on the lease (tokens are small counters, easily guessed). Null {@code
     * workerId}: an entry from before commands named their worker.
     *
     * @throws InvalidCommandException STALE_LEASE when another worker holds the lease, without naming it
     */
    private TaskRecord current(String taskId, long token, String workerId) {
        TaskRecord task = current(taskId, token);
        if (workerId != null && !acceptStale && !workerId.equals(task.lease().workerId())) {
            throw new InvalidCommandException(
                    ErrorCode.STALE_LEASE, "task " + taskId + " is not leased to worker '" + workerId + "'");
        }
        return task;
    }

    private TaskRecord current(String taskId, long token) {
        JobKeys.TaskRef ref = JobKeys.parseTaskId(taskId);
        TaskRecord task = ref == null ? null : Tasks.get(txn, ref.seq(), ref.index());
        if (task == null) {
            throw new InvalidCommandException(ErrorCode.NOT_FOUND, "no task '" + taskId + "'");
        }
        String why = staleness(task, token);
        if (why != null) {
            throw new InvalidCommandException(ErrorCode.STALE_LEASE, why);
        }
        return task;
    }

    /** Why {@code token} is not the current unexpired lease of {@code task}, or null when it is. */
    private String staleness(TaskRecord task, long token) {
        if (acceptStale && task.state() == TaskState.LEASED) {
            return null; // deliberately wrong (test fault): any token of a leased task is taken as current
        }
        if (task.state() != TaskState.LEASED) {
            return "task " + task.id() + " is " + task.state() + ", not leased; token " + token + " is stale";
        }
        TaskLease lease = task.lease();
        if (lease.token() != token) {
            // Never the current token: whoever sent a wrong one must not learn the holder's (issue 11).
            return "task " + task.id() + " is leased under another token; token " + token + " is stale";
        }
        if (lease.expiresAtMs() <= nowMs) {
            return "task " + task.id() + ": the lease with token " + token + " expired at " + lease.expiresAtMs()
                    + " ms; token " + token + " is stale";
        }
        return null;
    }

    /** For heartbeats and releases, which answer per lease instead of refusing the whole command. */
    private String staleReason(String taskId, long token, String workerId) {
        JobKeys.TaskRef ref = JobKeys.parseTaskId(taskId);
        TaskRecord task = ref == null ? null : Tasks.get(txn, ref.seq(), ref.index());
        if (task == null) {
            return "no task '" + taskId + "'";
        }
        String why = staleness(task, token);
        if (why == null && !acceptStale && !task.lease().workerId().equals(workerId)) {
            why = "task " + taskId + " is leased to worker '" + task.lease().workerId() + "', not '" + workerId + "'";
        }
        return why;
    }

    private static Applied updated(TaskRecord task, TaskState state) {
        return Applied.of(new LeaseResult.TaskUpdated(task.id(), state), List.of());
    }
}
