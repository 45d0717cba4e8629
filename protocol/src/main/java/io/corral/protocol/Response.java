package io.corral.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Map;

/** Every answer a coordinator sends. A failed request is answered with {@link ErrorReply}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Response.Welcome.class, name = "Welcome"),
    @JsonSubTypes.Type(value = Response.ErrorReply.class, name = "ErrorReply"),
    @JsonSubTypes.Type(value = Response.Ack.class, name = "Ack"),
    @JsonSubTypes.Type(value = Response.BlobStatus.class, name = "BlobStatus"),
    @JsonSubTypes.Type(value = Response.ChunkStored.class, name = "ChunkStored"),
    @JsonSubTypes.Type(value = Response.BlobSealed.class, name = "BlobSealed"),
    @JsonSubTypes.Type(value = Response.JobSubmitted.class, name = "JobSubmitted"),
    @JsonSubTypes.Type(value = Response.JobDetail.class, name = "JobDetail"),
    @JsonSubTypes.Type(value = Response.TaskDetail.class, name = "TaskDetail"),
    @JsonSubTypes.Type(value = Response.JobList.class, name = "JobList"),
    @JsonSubTypes.Type(value = Response.LockGranted.class, name = "LockGranted"),
    @JsonSubTypes.Type(value = Response.LockQueued.class, name = "LockQueued"),
    @JsonSubTypes.Type(value = Response.LockReleased.class, name = "LockReleased"),
    @JsonSubTypes.Type(value = Response.LockDetail.class, name = "LockDetail"),
    @JsonSubTypes.Type(value = Response.LockList.class, name = "LockList"),
    @JsonSubTypes.Type(value = Response.ClusterStatus.class, name = "ClusterStatus"),
    @JsonSubTypes.Type(value = Response.NodeStatus.class, name = "NodeStatus"),
    @JsonSubTypes.Type(value = Response.SnapshotTaken.class, name = "SnapshotTaken"),
    @JsonSubTypes.Type(value = Response.LeaderTransferred.class, name = "LeaderTransferred"),
    @JsonSubTypes.Type(value = Response.CheckpointOpened.class, name = "CheckpointOpened"),
    @JsonSubTypes.Type(value = Response.CheckpointData.class, name = "CheckpointData"),
    @JsonSubTypes.Type(value = Response.WorkerRegistered.class, name = "WorkerRegistered"),
    @JsonSubTypes.Type(value = Response.HeartbeatAck.class, name = "HeartbeatAck"),
    @JsonSubTypes.Type(value = Response.TaskUpdated.class, name = "TaskUpdated"),
    @JsonSubTypes.Type(value = Response.LeasesReleased.class, name = "LeasesReleased"),
    @JsonSubTypes.Type(value = Response.BlobChunk.class, name = "BlobChunk"),
    @JsonSubTypes.Type(value = Response.LeaseOffer.class, name = "LeaseOffer"),
    @JsonSubTypes.Type(value = Response.JobSubmittedWithLeases.class, name = "JobSubmittedWithLeases"),
    @JsonSubTypes.Type(value = Response.LeaseRevoked.class, name = "LeaseRevoked"),
    @JsonSubTypes.Type(value = Response.TasksRetried.class, name = "TasksRetried"),
    @JsonSubTypes.Type(value = Response.WorkerList.class, name = "WorkerList"),
    @JsonSubTypes.Type(value = Response.LocalWorkers.class, name = "LocalWorkers"),
    @JsonSubTypes.Type(value = Response.BackupOpened.class, name = "BackupOpened"),
    @JsonSubTypes.Type(value = Response.Membership.class, name = "Membership"),
    @JsonSubTypes.Type(value = Response.Security.class, name = "Security"),
})
public sealed interface Response extends Message {

    record Welcome(int protocolVersion, String nodeId) implements Response {}

    record ErrorReply(ErrorCode code, String message) implements Response {}

    /** A request that has nothing to return succeeded. */
    record Ack() implements Response {}

    record BlobStatus(String sha256, boolean present, long size) implements Response {}

    record ChunkStored(String sha256, int index) implements Response {}

    record BlobSealed(String sha256, long size) implements Response {}

    /** {@code created} is false when an idempotency key matched an earlier job, whose id this is. */
    record JobSubmitted(String jobId, boolean created) implements Response {}

    record JobDetail(JobView job) implements Response {}

    /**
     * One task and its history.
     *
     * @param leaseToken the live lease's fencing token, 0 unless the task is LEASED
     * @param leaseExpiresAtMs when the live lease lapses unless extended (leader time), 0 unless LEASED
     * @param resultToken the token of the lease whose holder committed the result, 0 unless SUCCEEDED
     * @param attempts the ended leases, oldest first: the last {@code 20} (older ones are dropped)
     */
    record TaskDetail(
            String jobId,
            TaskView task,
            int maxAttempts,
            long leaseToken,
            long leaseExpiresAtMs,
            long resultToken,
            List<AttemptView> attempts)
            implements Response {}

    record JobList(List<JobSummary> jobs) implements Response {}

    /** Answer to acquire and renew: the fencing token and when the lock lapses unless renewed. */
    record LockGranted(String name, String owner, long token, long expiresAtMs) implements Response {}

    /**
     * The acquirer is queued behind the holder. The coordinator keeps the client's acquire open and answers with
     * {@link LockGranted} when the grant is committed, or with {@link ErrorCode#LOCK_HELD} when the wait ends.
     */
    record LockQueued(String name, long waiterId, long deadlineMs) implements Response {}

    record LockReleased(String name, long token) implements Response {}

    record LockDetail(LockView lock) implements Response {}

    record LockList(List<LockView> locks) implements Response {}

    record ClusterStatus(String leaderId, List<MemberStatus> members) implements Response {}

    record NodeStatus(MemberStatus member) implements Response {}

    /**
     * How a coordinator is secured (docs/security.md).
     *
     * @param tls its Raft, RPC and HTTP ports speak TLS only
     * @param clientAuth {@code none}, {@code optional} or {@code require}: client certificates on the RPC and HTTP
     *     ports ({@code none} without TLS)
     * @param tokens every request needs a known token
     * @param exposed a port listens on an address other than loopback
     * @param insecure it runs exposed without TLS and tokens because {@code security.insecure} says so
     */
    record Security(String memberId, boolean tls, String clientAuth, boolean tokens, boolean exposed, boolean insecure)
            implements Response {
        /** TLS, and tokens or required client certificates: what a member others can reach needs. */
        public boolean secured() {
            return tls && (tokens || "require".equals(clientAuth));
        }
    }

    record SnapshotTaken(long index) implements Response {}

    record LeaderTransferred(String leaderId) implements Response {}

    record CheckpointOpened(String checkpointId, long term, long index, List<CheckpointFile> files)
            implements Response {}

    record CheckpointData(String checkpointId, String file, long offset, byte[] data) implements Response {}

    /** The worker is registered on this connection; heartbeat every {@code heartbeatIntervalMs}. */
    record WorkerRegistered(String workerId, long leaseTtlMs, long heartbeatIntervalMs) implements Response {}

    /** {@code extended}: leases that live on; {@code stale}: leases the worker must abort. */
    record HeartbeatAck(List<LeaseStatus> extended, List<StaleLease> stale) implements Response {}

    /** Complete, fail and progress were accepted; the task's state after them. */
    record TaskUpdated(String taskId, TaskState state) implements Response {}

    /** {@code released}: leases given back (their {@code expiresAtMs} is 0); {@code stale}: not held any more. */
    record LeasesReleased(List<LeaseStatus> released, List<StaleLease> stale) implements Response {}

    /** One chunk of a sealed image; {@code chunks} is how many the image has, so the reader knows when to stop. */
    record BlobChunk(String sha256, int index, int chunks, byte[] data) implements Response {}

    /** Push (id 0): tasks leased to the worker, committed in one Raft entry whose index is their token. */
    record LeaseOffer(List<LeaseGrant> grants) implements Response {}

    /**
     * Between coordinators only, never sent to a client: how the replicated state answers a submission proposed
     * together with grants for idle workers (docs/protocol.md, "Dispatch"). The proposing coordinator answers its
     * client with {@link JobSubmitted} and pushes each worker's grants as a {@link LeaseOffer}.
     *
     * @param grants worker id → the tasks granted to it by the submission's entry (possibly none)
     */
    record JobSubmittedWithLeases(String jobId, boolean created, Map<String, List<LeaseGrant>> grants)
            implements Response {
        public JobSubmittedWithLeases {
            grants = grants == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(grants));
        }

        public JobSubmitted submitted() {
            return new JobSubmitted(jobId, created);
        }
    }

    /** Push (id 0): the lease is gone (its job was cancelled); the worker aborts the task. */
    record LeaseRevoked(String taskId, long token) implements Response {}

    /** How many DEAD or FAILED tasks were put back to PENDING. */
    record TasksRetried(int count) implements Response {}

    /** Every connected worker, sorted by worker id; {@code unreachable}: members whose workers are missing from it. */
    record WorkerList(List<WorkerView> workers, List<UnreachableMember> unreachable) implements Response {}

    /** The workers connected to member {@code nodeId}, sorted by worker id. */
    record LocalWorkers(String nodeId, List<WorkerView> workers) implements Response {}

    /**
     * A checkpoint opened for a backup: the state of member {@code nodeId} of cluster {@code clusterName} through
     * entry {@code term}/{@code index}, taken at {@code createdAtMs} (the member's clock) by coordinator version
     * {@code corralVersion}; its {@code files} sorted by name.
     */
    record BackupOpened(
            String checkpointId,
            String clusterName,
            String nodeId,
            long term,
            long index,
            long createdAtMs,
            String corralVersion,
            List<CheckpointFile> files)
            implements Response {}

    /**
     * The replicated Raft configuration (the answer to {@link Request.GetMembership} and to every membership change,
     * which reports the configuration it produced).
     *
     * @param leaderId null when the answering member knows no leader
     * @param configIndex the log index of the configuration entry
     * @param changing true while a change is under way (a joint configuration, or one not committed yet)
     * @param commitIndex the answering member's commit index, to compare with each member's {@code matchIndex}
     * @param peers voters first, then listeners, then members being caught up, each sorted by id
     */
    record Membership(String leaderId, long configIndex, boolean changing, long commitIndex, List<PeerView> peers)
            implements Response {}
}
