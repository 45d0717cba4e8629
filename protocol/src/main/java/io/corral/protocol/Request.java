package io.corral.protocol;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.OptBoolean;
import java.util.List;
import java.util.Map;

/**
 * Every request a client, a worker or a peer coordinator can send. The JSON form carries the record's simple name
 * under {@code "type"}; an unknown type is answered with {@link ErrorCode#BAD_REQUEST}, never a crash.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Request.Hello.class, name = "Hello"),
    @JsonSubTypes.Type(value = Request.HasBlob.class, name = "HasBlob"),
    @JsonSubTypes.Type(value = Request.PutChunk.class, name = "PutChunk"),
    @JsonSubTypes.Type(value = Request.SealBlob.class, name = "SealBlob"),
    @JsonSubTypes.Type(value = Request.SubmitJob.class, name = "SubmitJob"),
    @JsonSubTypes.Type(value = Request.GetJob.class, name = "GetJob"),
    @JsonSubTypes.Type(value = Request.GetTask.class, name = "GetTask"),
    @JsonSubTypes.Type(value = Request.ListJobs.class, name = "ListJobs"),
    @JsonSubTypes.Type(value = Request.CancelJob.class, name = "CancelJob"),
    @JsonSubTypes.Type(value = Request.AcquireLock.class, name = "AcquireLock"),
    @JsonSubTypes.Type(value = Request.ReleaseLock.class, name = "ReleaseLock"),
    @JsonSubTypes.Type(value = Request.RenewLock.class, name = "RenewLock"),
    @JsonSubTypes.Type(value = Request.GetLock.class, name = "GetLock"),
    @JsonSubTypes.Type(value = Request.ListLocks.class, name = "ListLocks"),
    @JsonSubTypes.Type(value = Request.GetClusterStatus.class, name = "GetClusterStatus"),
    @JsonSubTypes.Type(value = Request.GetNodeStatus.class, name = "GetNodeStatus"),
    @JsonSubTypes.Type(value = Request.GetSecurity.class, name = "GetSecurity"),
    @JsonSubTypes.Type(value = Request.TakeSnapshot.class, name = "TakeSnapshot"),
    @JsonSubTypes.Type(value = Request.TransferLeader.class, name = "TransferLeader"),
    @JsonSubTypes.Type(value = Request.OpenCheckpoint.class, name = "OpenCheckpoint"),
    @JsonSubTypes.Type(value = Request.ReadCheckpoint.class, name = "ReadCheckpoint"),
    @JsonSubTypes.Type(value = Request.CloseCheckpoint.class, name = "CloseCheckpoint"),
    @JsonSubTypes.Type(value = Request.RegisterWorker.class, name = "RegisterWorker"),
    @JsonSubTypes.Type(value = Request.Heartbeat.class, name = "Heartbeat"),
    @JsonSubTypes.Type(value = Request.CompleteTask.class, name = "CompleteTask"),
    @JsonSubTypes.Type(value = Request.FailTask.class, name = "FailTask"),
    @JsonSubTypes.Type(value = Request.ReportProgress.class, name = "ReportProgress"),
    @JsonSubTypes.Type(value = Request.ReleaseLeases.class, name = "ReleaseLeases"),
    @JsonSubTypes.Type(value = Request.ReadBlobChunk.class, name = "ReadBlobChunk"),
    @JsonSubTypes.Type(value = Request.RetryTasks.class, name = "RetryTasks"),
    @JsonSubTypes.Type(value = Request.ListWorkers.class, name = "ListWorkers"),
    @JsonSubTypes.Type(value = Request.GetLocalWorkers.class, name = "GetLocalWorkers"),
    @JsonSubTypes.Type(value = Request.OpenBackup.class, name = "OpenBackup"),
    @JsonSubTypes.Type(value = Request.GetMembership.class, name = "GetMembership"),
    @JsonSubTypes.Type(value = Request.AddPeer.class, name = "AddPeer"),
    @JsonSubTypes.Type(value = Request.PromotePeer.class, name = "PromotePeer"),
    @JsonSubTypes.Type(value = Request.RemovePeer.class, name = "RemovePeer"),
})
public sealed interface Request extends Message {

    /**
     * First frame on every connection. The server answers {@link Response.Welcome} or closes with an error.
     *
     * @param token the connection's secret bearer token, or null: sent once per connection, checked by a coordinator
     *     that has authentication on. The one field of the protocol that may be absent from the JSON: it is left out
     *     when null, so a Hello without a token encodes as before tokens existed. Never printed ({@link #toString()}).
     */
    record Hello(
            int protocolVersion,
            String client,

            @JsonInclude(JsonInclude.Include.NON_NULL)
            @JacksonInject(value = Hello.TOKEN_ABSENT, useInput = OptBoolean.TRUE)
            String token)
            implements Request {
        /** What Jackson supplies for a Hello without a token (see {@code Json}). */
        public static final String TOKEN_ABSENT = "Hello.token";

        /** A Hello without a token: for coordinators without authentication. */
        public Hello(int protocolVersion, String client) {
            this(protocolVersion, client, null);
        }

        /** Whether a token is present; the token itself never leaves this record except on the wire. */
        public boolean hasToken() {
            return token != null;
        }

        @Override
        public String toString() {
            return "Hello[protocolVersion=" + protocolVersion + ", client=" + client + ", token="
                    + (token == null ? "none" : "(redacted)") + "]";
        }
    }

    /** Asks whether the cluster already stores these bytes, so a client can skip the upload. */
    record HasBlob(String sha256) implements Request {}

    /**
     * One chunk (at most {@link Limits#MAX_CHUNK_BYTES}) of an image whose SHA-256 and total size the client
     * declares up front. Chunks travel as Raft state-machine data, never inside the log segments.
     */
    record PutChunk(String sha256, long size, int index, byte[] data) implements Request {}

    /** Closes an upload: the cluster hashes the stored chunks and keeps the blob only if they match. */
    record SealBlob(String sha256, long size, int chunks) implements Request {}

    /**
     * A job: each image becomes a task; operations run in order on each. With an idempotency key, repeating the
     * request returns the original job instead of creating a second one. {@code taskTimeoutMs} bounds each task of
     * the job on the worker that runs it, from {@link Limits#MIN_TASK_TIMEOUT_MS} to {@link
     * Limits#MAX_TASK_TIMEOUT_MS}; 0 leaves the worker's own default.
     */
    record SubmitJob(
            List<ImageRef> images,
            List<String> operations,
            int priority,
            int maxAttempts,
            long taskTimeoutMs,
            Map<String, String> labels,
            String idempotencyKey)
            implements Request {

        /** A job without a task timeout of its own: each worker applies its default. */
        public SubmitJob(
                List<ImageRef> images,
                List<String> operations,
                int priority,
                int maxAttempts,
                Map<String, String> labels,
                String idempotencyKey) {
            this(images, operations, priority, maxAttempts, 0, labels, idempotencyKey);
        }
    }

    /** Reads a job. {@code stale} allows a follower to answer from its own, possibly lagging, state. */
    record GetJob(String jobId, boolean stale) implements Request {}

    /** Reads one task with its lease and the history of its attempts ({@code "job-17.3"}). */
    record GetTask(String taskId, boolean stale) implements Request {}

    /**
     * Lists jobs newest first, optionally only those in one state. {@code before} pages: only jobs older than that job
     * id (the last one of the previous page); null from the newest.
     */
    record ListJobs(JobState state, int limit, boolean stale, String before) implements Request {
        /** The first page. */
        public ListJobs(JobState state, int limit, boolean stale) {
            this(state, limit, stale, null);
        }
    }

    /** Cancels a job: its pending tasks become CANCELLED. */
    record CancelJob(String jobId) implements Request {}

    /**
     * Acquires a lock for {@code ttlMs}. With {@code waitMs == 0} it fails fast with {@link ErrorCode#LOCK_HELD};
     * otherwise it queues (FIFO) for at most {@code waitMs}.
     */
    record AcquireLock(String name, String owner, long ttlMs, long waitMs) implements Request {}

    record ReleaseLock(String name, long token) implements Request {}

    /** Extends a held lock by its TTL, counted from now. */
    record RenewLock(String name, long token) implements Request {}

    record GetLock(String name, boolean stale) implements Request {}

    record ListLocks(boolean stale) implements Request {}

    /** Status of every member, gathered by the node that receives the request. */
    record GetClusterStatus() implements Request {}

    /** Status of the receiving node only. */
    record GetNodeStatus() implements Request {}

    /**
     * How the receiving coordinator is secured (TLS, client certificates, tokens). Added within protocol 3: a
     * coordinator from before it answers BAD_REQUEST (an unknown type), and the CLI says so.
     */
    record GetSecurity() implements Request {}

    /** Asks the coordinator that receives it to take a snapshot now (and purge its log behind it). */
    record TakeSnapshot() implements Request {}

    record TransferLeader(String targetId) implements Request {}

    /** Coordinator to coordinator: opens a consistent checkpoint of the state for snapshot installation. */
    record OpenCheckpoint() implements Request {}

    record ReadCheckpoint(String checkpointId, String file, long offset, int maxBytes) implements Request {}

    record CloseCheckpoint(String checkpointId) implements Request {}

    /**
     * Worker protocol: makes this connection the worker's. The coordinator then pushes {@link Response.LeaseOffer}s
     * while the worker has free slots and tasks are pending. Sending it again updates the slots; {@code slots == 0}
     * stops offers (graceful drain). Leases survive a lost connection until their TTL.
     */
    record RegisterWorker(String workerId, int slots, List<String> capabilities) implements Request {}

    /**
     * Keeps the listed leases alive (each until now + the lease TTL) and reports the worker's free slots. Send one
     * every {@link Response.WorkerRegistered#heartbeatIntervalMs()}, on the connection the worker registered on.
     */
    record Heartbeat(String workerId, List<LeaseRef> leases, int freeSlots) implements Request {}

    /** Commits the result of a task; the result blob must be uploaded and sealed first. */
    record CompleteTask(String taskId, long token, String resultSha256, long resultSize) implements Request {}

    /** A retryable failure puts the task back (after a backoff) while attempts remain; otherwise it ends FAILED. */
    record FailTask(String taskId, long token, String error, boolean retryable) implements Request {}

    record ReportProgress(String taskId, long token, int percent, String message) implements Request {}

    /** Graceful drain: gives leases back unfinished; their tasks are PENDING again and the attempt is not counted. */
    record ReleaseLeases(String workerId, List<LeaseRef> leases) implements Request {}

    /** One chunk of a sealed image (a task's input or result); chunk {@code index} counts from 0. */
    record ReadBlobChunk(String sha256, int index) implements Request {}

    /** Puts the DEAD and FAILED tasks of a job ({@code job-7}), or one such task ({@code job-7.3}), back to PENDING. */
    record RetryTasks(String id) implements Request {}

    /**
     * The workers connected to any member: the receiving coordinator asks every peer for its own ({@link
     * GetLocalWorkers}) and merges. A member that does not answer in time is listed in {@link
     * Response.WorkerList#unreachable()}, not an error.
     */
    record ListWorkers() implements Request {}

    /** Coordinator to coordinator: the workers connected to the receiving member only. */
    record GetLocalWorkers() implements Request {}

    /**
     * Opens a checkpoint of the receiving member's state for a backup ({@code corral cluster backup}): after a
     * linearizable barrier, so it holds every write committed before the request arrived. Its files are read with
     * {@link ReadCheckpoint} on the same connection only, and it is deleted on {@link CloseCheckpoint} or when that
     * connection closes.
     */
    record OpenBackup() implements Request {}

    /**
     * The replicated Raft configuration and, when the leader answers (any member forwards to it), each member's
     * progress. Answered with {@link Response.Membership}.
     */
    record GetMembership() implements Request {}

    /**
     * Adds a coordinator as a non-voting listener: the leader catches it up (a checkpoint install, then the log) and
     * then commits a configuration that lists it. The new coordinator must be running, started with {@code join:
     * true}, and answer at {@code rpcAddress}. {@code httpAddress} is optional: the new member's own is used when it
     * is null. Repeating the request for a listener with the same addresses changes nothing. Answered with {@link
     * Response.Membership} once the configuration is committed.
     */
    record AddPeer(String id, String raftAddress, String rpcAddress, String httpAddress) implements Request {}

    /**
     * Makes a listener a voting member by a second configuration change. Refused with {@link ErrorCode#CONFLICT}
     * while it is more than {@link Limits#MAX_PROMOTION_LAG_ENTRIES} entries behind the commit index or has not
     * answered the leader recently. Promoting a voter changes nothing.
     */
    record PromotePeer(String id) implements Request {}

    /**
     * Removes a member, voting or listener, by a configuration change. Removing the leader moves leadership first.
     * Refused when it would leave no voting member, or a set of voters the leader cannot reach a majority of.
     */
    record RemovePeer(String id) implements Request {}
}
