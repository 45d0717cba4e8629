package io.corral.coordinator.state.jobs;

import io.corral.coordinator.state.Applied;
import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Codec;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.Event;
import io.corral.coordinator.state.MetaCounters;
import io.corral.coordinator.state.blobs.BlobGrants;
import io.corral.coordinator.state.blobs.BlobRecord;
import io.corral.coordinator.state.blobs.Blobs;
import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.AttemptOutcome;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobState;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Submitting and cancelling jobs. Every check runs before the first write, so a refused command writes nothing. */
public final class Jobs {
    private Jobs() {}

    /**
     * Creates job {@code "job-<seq>"} ({@link JobSeq}: the entry's index unless a submission earlier in the same
     * entry took it) with one PENDING task per image.
     *
     * @param operations the submission's operations in canonical form (from {@link JobRules#validate})
     */
    public static Applied submit(long index, long nowMs, Command.SubmitJob c, List<String> operations, KvTxn txn) {
        if (c.idempotencyKey() != null) {
            byte[] existing = txn.get(Space.IDEMPOTENCY, JobKeys.idempotency(c.owner(), c.idempotencyKey()));
            if (existing != null) {
                // The client retried (or reused the key): the first job stands, whatever this one asks for.
                return Applied.of(new Response.JobSubmitted(Keys.utf8(existing, 0, existing.length), false));
            }
        }
        Response refusal = checkImages(c.images(), c.owner(), txn);
        if (refusal != null) {
            return Applied.of(refusal);
        }
        Map<String, String> labels = c.labels() == null ? Map.of() : c.labels();
        long seq = JobSeq.SEQ.next(txn, index);
        JobRecord job = new JobRecord(
                seq,
                c.priority(),
                c.maxAttempts(),
                c.taskTimeoutMs(),
                operations,
                labels,
                c.idempotencyKey(),
                nowMs,
                0,
                false,
                c.images().size(),
                Map.of(TaskState.PENDING, c.images().size()),
                c.owner());
        txn.put(Space.JOBS, JobKeys.job(seq), Codec.encode(job));
        txn.put(Space.JOBS_BY_STATE, JobKeys.byState(JobState.PENDING, seq), Keys.utf8(job.id()));
        if (job.owner() != null) {
            txn.put(Space.JOBS_BY_OWNER, JobKeys.byOwner(job.owner(), JobState.PENDING, seq), Keys.utf8(job.id()));
        }
        if (c.idempotencyKey() != null) {
            txn.put(Space.IDEMPOTENCY, JobKeys.idempotency(c.owner(), c.idempotencyKey()), Keys.utf8(job.id()));
        }
        writeTasks(txn, job, c.images());
        MetaCounters.add(txn, MetaCounters.jobs(JobState.PENDING), 1);
        MetaCounters.add(txn, MetaCounters.tasks(TaskState.PENDING), c.images().size());
        return Applied.of(new Response.JobSubmitted(job.id(), true));
    }

    /**
     * Every image must be a sealed blob of the declared size whose bytes look like an image, and one the owner may use
     * (it uploaded it: {@link BlobGrants}); another tenant's image is answered as if it were not stored. Null when they
     * are.
     */
    private static Response checkImages(List<ImageRef> images, String owner, KvView view) {
        // A job may name one image thousands of times: read each blob record once.
        Map<String, Optional<BlobRecord>> blobs = new HashMap<>();
        for (ImageRef image : images) {
            BlobRecord blob = blobs.computeIfAbsent(
                            image.sha256(),
                            sha -> Optional.ofNullable(
                                    owner == null || BlobGrants.granted(view, owner, sha)
                                            ? Blobs.sealed(view, sha)
                                            : null))
                    .orElse(null);
            if (blob == null) {
                return new Response.ErrorReply(
                        ErrorCode.BLOB_MISSING,
                        "image '" + image.name() + "' (" + image.sha256()
                                + ") is not stored in the cluster; upload it, then submit again");
            }
            if (blob.size() != image.size()) {
                return new Response.ErrorReply(
                        ErrorCode.BAD_REQUEST,
                        "image '" + image.name() + "' declares " + image.size() + " bytes but the stored blob "
                                + image.sha256() + " has " + blob.size());
            }
            if (blob.format() == null) {
                return new Response.ErrorReply(
                        ErrorCode.BAD_REQUEST,
                        "image '" + image.name() + "' (" + image.sha256()
                                + ") is not an image: expected jpeg, png, gif, bmp, tiff or webp bytes");
            }
        }
        return null;
    }

    private static void writeTasks(KvTxn txn, JobRecord job, List<ImageRef> images) {
        // Count references per blob first, so an image repeated 10,000 times rewrites its blob record once.
        Map<String, Long> refs = new TreeMap<>();
        for (int i = 0; i < images.size(); i++) {
            ImageRef image = images.get(i);
            TaskRecord task =
                    TaskRecord.pending(job.seq(), i, image.name(), image.sha256(), image.size(), job.submittedAtMs());
            txn.put(Space.TASKS, JobKeys.task(job.seq(), i), Codec.encode(task));
            txn.put(Space.PENDING, JobKeys.pending(job.priority(), job.seq(), i), Keys.utf8(task.id()));
            refs.merge(image.sha256(), 1L, Long::sum);
        }
        refs.forEach((sha, count) -> Blobs.addRefs(txn, sha, count));
    }

    /**
     * Cancels a job: its pending tasks become CANCELLED, and so do its leased ones, whose leases are revoked: each
     * revocation is recorded in the task's history and emitted as an {@link Event.LeaseRevoked} so the leader can
     * tell the worker to abort; the holder's token is stale from this entry on.
     */
    public static Applied cancel(long nowMs, Command.CancelJob c, KvTxn txn) {
        long seq = JobKeys.parseJobId(c.jobId());
        JobRecord before = seq < 0 ? null : Tasks.job(txn, seq);
        if (before == null) {
            return Applied.of(new Response.ErrorReply(ErrorCode.NOT_FOUND, "no job '" + c.jobId() + "'"));
        }
        Response refusal = JobRules.refusal(Caller.orSystem(c.by()), before, "cancel");
        if (refusal != null) {
            return Applied.of(refusal);
        }
        if (before.state().isTerminal()) {
            return Applied.of(new Response.ErrorReply(
                    ErrorCode.CONFLICT, "job " + c.jobId() + " already finished as " + before.state()));
        }
        JobRecord after = before;
        List<Event> events = new ArrayList<>();
        for (TaskRecord task : JobQueries.tasks(txn, seq)) {
            if (task.state() == TaskState.LEASED) {
                TaskLease lease = task.lease();
                TaskHistory.append(txn, task, ended(task, nowMs, AttemptOutcome.CANCELLED, "job cancelled"));
                events.add(new Event.LeaseRevoked(task.id(), lease.workerId(), lease.token()));
                after = Tasks.move(txn, nowMs, after, task, TaskState.CANCELLED);
            } else if (task.state() == TaskState.PENDING) {
                after = Tasks.move(txn, nowMs, after, task, TaskState.CANCELLED);
            }
        }
        after = Tasks.saveJob(txn, nowMs, before, after.withCancelled());
        return new Applied(new Response.JobDetail(JobQueries.view(txn, after)), events);
    }

    /** The history entry for the current lease of a LEASED {@code task}, ending now. */
    public static AttemptRecord ended(TaskRecord task, long nowMs, AttemptOutcome outcome, String error) {
        TaskLease lease = task.lease();
        return new AttemptRecord(lease.workerId(), lease.token(), lease.grantedAtMs(), nowMs, outcome, error);
    }

    /** The tasks of one job that are in {@code state}, by index. */
    static List<TaskRecord> tasksIn(KvView view, long seq, TaskState state) {
        List<TaskRecord> out = new ArrayList<>();
        for (TaskRecord task : JobQueries.tasks(view, seq)) {
            if (task.state() == state) {
                out.add(task);
            }
        }
        return out;
    }
}
