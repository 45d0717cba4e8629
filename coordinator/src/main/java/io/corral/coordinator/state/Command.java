package io.corral.coordinator.state;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.corral.protocol.ImageRef;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A change to the replicated state, as it is written in the Raft log (inside an {@link Entry} that adds the leader's
 * time). Applying a command is deterministic: it depends only on the command, the entry's index and time, and the
 * state.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Command.SubmitJob.class, name = "SubmitJob"),
    @JsonSubTypes.Type(value = Command.CancelJob.class, name = "CancelJob"),
    @JsonSubTypes.Type(value = Command.AcquireLock.class, name = "AcquireLock"),
    @JsonSubTypes.Type(value = Command.ReleaseLock.class, name = "ReleaseLock"),
    @JsonSubTypes.Type(value = Command.RenewLock.class, name = "RenewLock"),
    @JsonSubTypes.Type(value = Command.ExpireLock.class, name = "ExpireLock"),
    @JsonSubTypes.Type(value = Command.CancelLockWait.class, name = "CancelLockWait"),
    @JsonSubTypes.Type(value = Command.PutChunk.class, name = "PutChunk"),
    @JsonSubTypes.Type(value = Command.SealBlob.class, name = "SealBlob"),
    @JsonSubTypes.Type(value = Command.CollectGarbage.class, name = "CollectGarbage"),
    @JsonSubTypes.Type(value = Command.LeaseTasks.class, name = "LeaseTasks"),
    @JsonSubTypes.Type(value = Command.ExtendLeases.class, name = "ExtendLeases"),
    @JsonSubTypes.Type(value = Command.ReleaseLeases.class, name = "ReleaseLeases"),
    @JsonSubTypes.Type(value = Command.CompleteTask.class, name = "CompleteTask"),
    @JsonSubTypes.Type(value = Command.FailTask.class, name = "FailTask"),
    @JsonSubTypes.Type(value = Command.ReportProgress.class, name = "ReportProgress"),
    @JsonSubTypes.Type(value = Command.ExpireLease.class, name = "ExpireLease"),
    @JsonSubTypes.Type(value = Command.ExtendAllLeases.class, name = "ExtendAllLeases"),
    @JsonSubTypes.Type(value = Command.RetryTasks.class, name = "RetryTasks"),
    @JsonSubTypes.Type(value = Command.SubmitAndLease.class, name = "SubmitAndLease"),
    @JsonSubTypes.Type(value = Command.Probe.class, name = "Probe"),
    @JsonSubTypes.Type(value = Command.Batch.class, name = "Batch"),
})
public sealed interface Command {

    /**
     * {@code taskTimeoutMs} is the job's bound on each task, handed to the worker with every grant; 0 leaves the
     * worker's default. Entries written before the field existed decode with 0. {@code owner}: the tenant of the token
     * that submitted it (see {@link Caller}), null when authentication is off and in entries written before jobs had
     * owners.
     */
    record SubmitJob(
            List<ImageRef> images,
            List<String> operations,
            int priority,
            int maxAttempts,
            long taskTimeoutMs,
            Map<String, String> labels,
            String idempotencyKey,
            String owner)
            implements Command {

        /** A job without an owner (authentication off). */
        public SubmitJob(
                List<ImageRef> images,
                List<String> operations,
                int priority,
                int maxAttempts,
                long taskTimeoutMs,
                Map<String, String> labels,
                String idempotencyKey) {
            this(images, operations, priority, maxAttempts, taskTimeoutMs, labels, idempotencyKey, null);
        }

        /** A job without an owner or a task timeout of its own: each worker applies its default. */
        public SubmitJob(
                List<ImageRef> images,
                List<String> operations,
                int priority,
                int maxAttempts,
                Map<String, String> labels,
                String idempotencyKey) {
            this(images, operations, priority, maxAttempts, 0, labels, idempotencyKey, null);
        }
    }

    /**
     * {@code by}: who asked ({@link Caller}); only a caller that controls the job's owner may cancel it. Null in entries
     * written before jobs had owners.
     */
    record CancelJob(String jobId, Caller by) implements Command {
        /** Cancelled by the system (authentication off). */
        public CancelJob(String jobId) {
            this(jobId, null);
        }
    }

    /** {@code waitMs == 0}: try-acquire. Otherwise the acquirer queues until granted or its deadline passes. */
    /**
     * {@code owner} is the holder's own label, shown to everyone; {@code tenant} the tenant of the token that acquired
     * it (see {@link Caller}): only a caller that controls that tenant releases or renews the lock, or sees its token.
     * Null when authentication is off and in entries written before locks had tenants.
     */
    record AcquireLock(String name, String owner, long ttlMs, long waitMs, String tenant) implements Command {
        /** An acquire without a tenant (authentication off). */
        public AcquireLock(String name, String owner, long ttlMs, long waitMs) {
            this(name, owner, ttlMs, waitMs, null);
        }
    }

    /** {@code by} as in {@link CancelJob}. */
    record ReleaseLock(String name, long token, Caller by) implements Command {
        public ReleaseLock(String name, long token) {
            this(name, token, null);
        }
    }

    /** {@code by} as in {@link CancelJob}. */
    record RenewLock(String name, long token, Caller by) implements Command {
        public RenewLock(String name, long token) {
            this(name, token, null);
        }
    }

    /** The leader saw the TTL of grant {@code token} lapse. Applies only if that grant is still the holder. */
    record ExpireLock(String name, long token) implements Command {}

    /**
     * An acquirer stops waiting (its client gave up, or the leader saw its deadline pass). If it was granted
     * meanwhile, the grant stands and is returned, so no lock is ever held by nobody.
     */
    record CancelLockWait(String name, long waiterId) implements Command {}

    /**
     * One chunk of an upload. Its bytes are not part of the log entry's JSON: they travel as Raft state-machine data
     * and the adapter attaches them before apply with {@link #withData}. {@code tenant}: the uploader's (see {@link
     * Caller}), null without authentication and in entries from before. {@code chunkSha256}: set by the coordinator
     * that received a chunk of an image the cluster holds already, when the uploader's tenant may not use it yet:
     * apply compares it with the stored chunk's hash, so a tenant gains an image by uploading all of it, never by
     * knowing its digest (the JSON, not the bytes, decides, so every replica decides alike).
     */
    record PutChunk(
            String sha256,
            long size,
            int index,
            int length,
            @JsonIgnore byte[] data,
            String tenant,
            String chunkSha256) implements Command {
        /** A chunk uploaded without authentication. */
        public PutChunk(String sha256, long size, int index, int length, byte[] data) {
            this(sha256, size, index, length, data, null, null);
        }

        public PutChunk withData(byte[] bytes) {
            return new PutChunk(sha256, size, index, length, bytes, tenant, chunkSha256);
        }

        /** With the SHA-256 of its bytes, computed by the coordinator that received them (a proof of possession). */
        public PutChunk withChunkSha256(String hex) {
            return new PutChunk(sha256, size, index, length, data, tenant, hex);
        }
    }

    /** {@code tenant} as in {@link PutChunk}. */
    record SealBlob(String sha256, long size, int chunks, String tenant) implements Command {
        /** A seal without authentication. */
        public SealBlob(String sha256, long size, int chunks) {
            this(sha256, size, chunks, null);
        }
    }

    /**
     * Deletes terminal jobs older than the job retention, blobs unreferenced for longer than the blob retention and
     * uploads abandoned for longer than the upload retention, at most {@code maxItems} of each kind per entry so one
     * entry never does unbounded work. The retentions travel in the command so every replica decides alike.
     */
    record CollectGarbage(long jobRetentionMs, long blobRetentionMs, long uploadRetentionMs, int maxItems)
            implements Command {}

    /** A lease as a worker names it: the task and the fencing token it was granted with. */
    record LeaseRef(String taskId, long token) {}

    /**
     * The leader grants {@code workerId} up to {@code maxTasks} pending tasks, in queue order, each for {@code
     * leaseTtlMs}. All grants of one entry carry the entry's Raft index as their token.
     */
    record LeaseTasks(String workerId, int maxTasks, long leaseTtlMs) implements Command {}

    /**
     * A submission and, in the same entry, grants to idle workers connected to the coordinator that proposes it: the
     * job is submitted exactly as by {@code job}, then each {@link LeaseTasks} is applied in order (so the new tasks,
     * or older pending ones first, are leased with this entry's index as their token). The grants reach the workers
     * with the submission's acknowledgement instead of one commit later. A refused submission grants nothing.
     */
    record SubmitAndLease(SubmitJob job, List<LeaseTasks> leases) implements Command {
        public SubmitAndLease {
            leases = leases == null ? null : List.copyOf(leases);
        }
    }

    /** A worker's heartbeat: extends each listed lease it still holds to at least now + {@code leaseTtlMs}. */
    record ExtendLeases(String workerId, List<LeaseRef> leases, long leaseTtlMs) implements Command {}

    /** Graceful drain: the worker gives the listed tasks back unfinished; the attempt does not count. */
    record ReleaseLeases(String workerId, List<LeaseRef> leases) implements Command {}

    /**
     * The holder of lease {@code token} commits the task's result, a sealed blob. {@code workerId}: the worker that
     * sent it, as the coordinator knows it from its connection, never from the request; the lease must be that
     * worker's. Null only in entries written before commands named their worker, which apply as they did then. {@code
     * tenant}: the worker token's tenant, which must be able to use the result ({@code BlobGrants}: it uploaded it), so
     * a worker cannot hand in an image it never made; null without authentication and in entries from before.
     */
    record CompleteTask(String workerId, String taskId, long token, String resultSha256, long resultSize, String tenant)
            implements Command {
        /** A completion without authentication. */
        public CompleteTask(String workerId, String taskId, long token, String resultSha256, long resultSize) {
            this(workerId, taskId, token, resultSha256, resultSize, null);
        }
    }

    /**
     * The holder of lease {@code token} reports that the task failed. A retryable failure is treated like an expiry;
     * the backoff settings travel in the command (stamped by the leader) so every replica decides alike. {@code
     * workerId} as in {@link CompleteTask}.
     */
    record FailTask(
            String workerId,
            String taskId,
            long token,
            String error,
            boolean retryable,
            long backoffBaseMs,
            long backoffCapMs)
            implements Command {}

    /** {@code workerId} as in {@link CompleteTask}. */
    record ReportProgress(String workerId, String taskId, long token, int percent, String message) implements Command {}

    /**
     * The leader saw lease {@code token} of a task lapse. Applies only if that lease is still current and expired at
     * the entry's time; the backoff settings travel in the command, like CollectGarbage's retentions.
     */
    record ExpireLease(String taskId, long token, long backoffBaseMs, long backoffCapMs) implements Command {}

    /**
     * Committed by a new leader: every live lease lasts at least until now + {@code graceMs}, since no worker could
     * heartbeat while there was no leader.
     */
    record ExtendAllLeases(long graceMs) implements Command {}

    /** Puts the DEAD and FAILED tasks of a job ({@code "job-7"}), or one such task ({@code "job-7.3"}), back. */
    record RetryTasks(String id, Caller by) implements Command {
        /** {@code by} as in {@link CancelJob}. */
        public RetryTasks(String id) {
            this(id, null);
        }
    }

    /**
     * Changes nothing. A member whose writes have been failing commits one now and then to learn whether it can
     * commit again (its health says so); {@code memberId} names the member, for whoever reads the log.
     */
    record Probe(String memberId) implements Command {}

    /**
     * Several commands in one entry (group commit: a member sends the writes that wait while its earlier ones are in
     * flight as one). Each is applied in order exactly as it would be alone, against the state the ones before it
     * left, and answered on its own: one refused command changes nothing and the others still apply. Only commands
     * that take nothing from the entry's index but ids the state hands out in order ({@link #batchable}) may share an
     * entry: job seqs and lease tokens are such ids (the index, or the next free number after an earlier command of
     * the entry), while a lock's token is the index of the entry that granted it, so two lock grants in one entry
     * would carry the same token.
     */
    record Batch(List<Command> commands) implements Command {
        public Batch {
            commands = commands == null ? null : List.copyOf(commands);
        }

        /**
         * Whether {@code command} may be part of a batch: submissions (a job's seq comes from {@code JobSeq}, not
         * from the index), task grants (a lease's token comes from {@code LeaseTokens}), cancellations, retries, a
         * worker's reports and heartbeats, lease expiries and probes. Not: every lock command (a lock's token is the
         * index), SubmitAndLease (the leader adds its grants to a submission alone in its entry), chunks (their bytes
         * travel beside the entry), seals and garbage collection (their work per entry is bounded per entry),
         * ExtendAllLeases (once per term) and batches.
         */
        public static boolean batchable(Command command) {
            return command != null && BATCHABLE.contains(command.getClass());
        }

        private static final Set<Class<? extends Command>> BATCHABLE = Set.of(
                SubmitJob.class,
                LeaseTasks.class,
                CancelJob.class,
                RetryTasks.class,
                CompleteTask.class,
                FailTask.class,
                ReportProgress.class,
                ExtendLeases.class,
                ReleaseLeases.class,
                ExpireLease.class,
                Probe.class);
    }
}
