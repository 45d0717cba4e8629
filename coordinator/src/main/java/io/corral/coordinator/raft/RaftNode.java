package io.corral.coordinator.raft;

import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.coordinator.config.PeerConfig;
import io.corral.coordinator.state.Command;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * One coordinator's Raft member: the Ratis server (gRPC transport) running {@link CorralStateMachine}, and a Ratis
 * client through which this node submits commands and linearizable reads. The client follows the leader, so the RPC
 * layer on a follower forwards writes without knowing who leads; Ratis' retry cache makes its retries exactly-once.
 */
public final class RaftNode implements AutoCloseable {
    /** Largest gRPC message: a 1 MiB chunk and a batch of small entries fit with room to spare. */
    static final SizeInBytes GRPC_MESSAGE_MAX = SizeInBytes.valueOf("32MB");

    /** Bytes of entries per append request; below Ratis' 8 MB write buffer, which must hold one request. */
    static final SizeInBytes APPENDER_BUFFER_MAX = SizeInBytes.valueOf("4MB");
    /** Pause between the client's retries while there is no leader. */
    static final long CLIENT_RETRY_SLEEP_MS = 200;
    /** Pause between attempts of a read while the cluster has no usable leader. */
    static final long READ_RETRY_PAUSE_MS = 100;

    /** Lower bound of one attempt's timeout, so a busy but healthy leader is not abandoned too early. */
    static final long MIN_ATTEMPT_TIMEOUT_MS = 1000;

    private final CoordinatorConfig config;
    private final CorralStateMachine stateMachine;
    private final RaftGroup group;
    private final RaftPeerId selfId;
    /** The gRPC transport's parameters: its TLS, when the configuration has a tls section ({@link RaftTls}). */
    private final Parameters rpcParameters;

    private RaftServer server;
    /** Writes and admin calls: follows the leader. */
    private RaftClient client;
    /**
     * Reads are submitted to this member's server in-process, not through a client: no loopback gRPC hop, and no
     * client that resets its connection (a multi-second stall) when a read fails during an election.
     */
    private final ClientId readerId = ClientId.randomId();

    private final AtomicLong readCallIds = new AtomicLong();

    public RaftNode(CoordinatorConfig config, CorralStateMachine stateMachine) {
        this.config = config;
        this.stateMachine = stateMachine;
        this.selfId = RaftPeerId.valueOf(config.nodeId());
        this.group = RaftGroup.valueOf(groupId(config.clusterName()), peers(config.peers()));
        this.rpcParameters = RaftTls.parameters(config);
    }

    /** The Raft group id is derived from the cluster name, so every member computes the same one. */
    public static RaftGroupId groupId(String clusterName) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("corral:" + clusterName).getBytes(StandardCharsets.UTF_8)));
    }

    static List<RaftPeer> peers(List<PeerConfig> peers) {
        return peers.stream()
                .map(p ->
                        RaftPeer.newBuilder().setId(p.id()).setAddress(p.raft()).build())
                .toList();
    }

    public void start() throws IOException {
        RaftProperties props = serverProperties();
        server = RaftServer.newBuilder()
                .setServerId(selfId)
                .setGroup(group)
                .setProperties(props)
                .setParameters(rpcParameters)
                .setStateMachine(stateMachine)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        client = newClient();
    }

    private RaftClient newClient() {
        return RaftClient.newBuilder()
                .setRaftGroup(group)
                .setProperties(clientProperties())
                .setParameters(rpcParameters)
                .setRetryPolicy(clientRetryPolicy(config.raft().requestTimeoutMs()))
                .build();
    }

    /**
     * Retries every {@link #CLIENT_RETRY_SLEEP_MS} until the request is {@code requestTimeoutMs} old, then gives up.
     * The bound is on time, not on a count of attempts: attempts that time out against an unreachable leader used to
     * let a count-bounded client go on resending a write long after its caller had been told its outcome is unknown,
     * and a resend arriving after the servers' retry cache forgot the request is applied a second time (see
     * {@link #RETRY_CACHE_EXPIRY_MIN_MS}).
     */
    static RetryPolicy clientRetryPolicy(long requestTimeoutMs) {
        RetryPolicy every = RetryPolicies.retryForeverWithSleep(ms(CLIENT_RETRY_SLEEP_MS));
        RequestTypeDependentRetryPolicy.Builder b = RequestTypeDependentRetryPolicy.newBuilder();
        for (RaftClientRequestProto.TypeCase type : RaftClientRequestProto.TypeCase.values()) {
            if (type != RaftClientRequestProto.TypeCase.TYPE_NOT_SET) {
                b.setRetryPolicy(type, every).setTimeout(type, ms(requestTimeoutMs));
            }
        }
        return b.build();
    }

    /**
     * How long a member's Ratis retry cache remembers a request: it must outlast every resend of it (Ratis requires
     * the expiry to exceed the client's retry window), which {@link #clientRetryPolicy} bounds by the request timeout
     * plus one attempt in flight. The replicated request log ({@code AppliedRequests}) covers restarts, which empty
     * this cache.
     */
    static final long RETRY_CACHE_EXPIRY_MIN_MS = 60_000;

    long retryCacheExpiryMs() {
        return Math.max(RETRY_CACHE_EXPIRY_MIN_MS, 3 * (config.raft().requestTimeoutMs() + attemptTimeoutMs()));
    }

    private RaftProperties serverProperties() {
        CoordinatorConfig.Raft r = config.raft();
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(
                p, List.of(config.dataDir().resolve("raft").toFile()));
        // gRPC with the RATIS-2500 fix: a restarted follower whose state ends just before the leader's log is repaired.
        org.apache.ratis.RaftConfigKeys.Rpc.setType(p, new CorralGrpc());
        GrpcConfigKeys.Server.setPort(p, port(config.raftAddress()));
        GrpcConfigKeys.setMessageSizeMax(p, GRPC_MESSAGE_MAX);
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, APPENDER_BUFFER_MAX);
        // Followers that fall behind the purged log install a checkpoint they fetch themselves (see the state machine).
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, false);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(r.segmentSizeBytes()));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(r.segmentSizeBytes(), 4L << 20)));
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) r.purgeGapEntries());
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, r.autoSnapshot());
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, r.snapshotThresholdEntries());
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, ms(r.electionTimeoutMinMs()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, ms(r.electionTimeoutMaxMs()));
        // Follower-to-leader calls such as ReadIndex: one attempt, retried by the client after a failover.
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, ms(attemptTimeoutMs()));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
        RaftServerConfigKeys.Read.setTimeout(p, ms(attemptTimeoutMs()));
        RaftServerConfigKeys.RetryCache.setExpiryTime(p, ms(retryCacheExpiryMs()));
        return p;
    }

    private RaftProperties clientProperties() {
        RaftProperties p = new RaftProperties();
        GrpcConfigKeys.setMessageSizeMax(p, GRPC_MESSAGE_MAX);
        org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(p, ms(attemptTimeoutMs()));
        return p;
    }

    /**
     * One attempt of a write or a read. An attempt sent to a leader that just died waits this long before the client
     * tries again; by then the members have elected a new leader (the longest election timeout has passed). The whole
     * request is bounded by {@code raft.requestTimeoutMs}.
     */
    long attemptTimeoutMs() {
        CoordinatorConfig.Raft r = config.raft();
        return Math.min(r.requestTimeoutMs(), Math.max(MIN_ATTEMPT_TIMEOUT_MS, r.electionTimeoutMaxMs()));
    }

    private static TimeDuration ms(long millis) {
        return TimeDuration.valueOf(millis, TimeUnit.MILLISECONDS);
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    /** Commits a command through the leader; completes with the state machine's reply. */
    public CompletableFuture<Response> submit(Command command) {
        return bounded(client.async().send(RaftMessages.command(command)));
    }

    /**
     * A read answered by this node: linearizable (ReadIndex, leader lease) unless {@code stale}. A read changes
     * nothing, so while the cluster elects a new leader it is retried here, every {@link #READ_RETRY_PAUSE_MS}, until
     * it succeeds or {@code raft.requestTimeoutMs} has passed: the client sees one slower answer instead of an error.
     */
    public CompletableFuture<Response> read(Request query, boolean stale) {
        long deadlineNanos =
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.raft().requestTimeoutMs());
        CompletableFuture<Response> result = new CompletableFuture<>();
        readAttempt(query, stale, deadlineNanos, result);
        return result;
    }

    private void readAttempt(Request query, boolean stale, long deadlineNanos, CompletableFuture<Response> result) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(readerId)
                .setServerId(selfId)
                .setGroupId(group.getGroupId())
                .setCallId(readCallIds.incrementAndGet())
                .setMessage(RaftMessages.query(query))
                .setType(stale ? RaftClientRequest.staleReadRequestType(0) : RaftClientRequest.readRequestType())
                .setTimeoutMs(attemptTimeoutMs())
                .build();
        CompletableFuture<RaftClientReply> f;
        try {
            f = server.submitClientRequestAsync(request);
        } catch (IOException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.handle(RaftNode::toResponse).thenAccept(r -> {
            boolean transientError =
                    r instanceof Response.ErrorReply e && e.code().retryable();
            long leftNanos = deadlineNanos - System.nanoTime();
            if (transientError && leftNanos > TimeUnit.MILLISECONDS.toNanos(READ_RETRY_PAUSE_MS)) {
                CompletableFuture.delayedExecutor(READ_RETRY_PAUSE_MS, TimeUnit.MILLISECONDS)
                        .execute(() -> readAttempt(query, stale, deadlineNanos, result));
            } else {
                result.complete(r);
            }
        });
    }

    private CompletableFuture<Response> bounded(CompletableFuture<RaftClientReply> f) {
        return f.orTimeout(config.raft().requestTimeoutMs(), TimeUnit.MILLISECONDS)
                .handle(RaftNode::toResponse);
    }

    private static Response toResponse(RaftClientReply reply, Throwable error) {
        if (error != null) {
            return RaftErrors.toErrorReply(error);
        }
        if (!reply.isSuccess()) {
            return RaftErrors.toErrorReply(reply.getException());
        }
        return RaftMessages.reply(reply.getMessage().getContent());
    }

    /** Takes a snapshot on this member now (and lets Ratis purge this member's log up to it). */
    public long takeSnapshot() throws IOException {
        RaftClientReply reply = client.getSnapshotManagementApi(selfId)
                .create(true, config.raft().requestTimeoutMs());
        if (!reply.isSuccess()) {
            throw reply.getException() != null ? reply.getException() : new IOException("snapshot failed");
        }
        return reply.getLogIndex();
    }

    public void transferLeadership(String targetId) throws IOException {
        RaftClientReply reply = client.admin()
                .transferLeadership(RaftPeerId.valueOf(targetId), config.raft().requestTimeoutMs());
        if (!reply.isSuccess()) {
            throw reply.getException() != null ? reply.getException() : new IOException("transfer failed");
        }
    }

    /**
     * Asks this member, in-process, to hand leadership to {@code targetId}: no client and no retries, so the attempt
     * is bounded by {@code timeoutMs} alone (Ratis waits that long for the target to catch up and win). Completes with
     * the reply; a refusal or a timeout is an unsuccessful reply, not an exception.
     */
    public CompletableFuture<RaftClientReply> transferLeadershipAsync(String targetId, long timeoutMs) {
        TransferLeadershipRequest request = new TransferLeadershipRequest(
                readerId,
                selfId,
                group.getGroupId(),
                readCallIds.incrementAndGet(),
                RaftPeerId.valueOf(targetId),
                timeoutMs);
        try {
            return server.transferLeadershipAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    public DivisionInfo info() {
        try {
            return server.getDivision(group.getGroupId()).getInfo();
        } catch (IOException e) {
            throw new IllegalStateException("raft division is not running", e);
        }
    }

    public long commitIndex() {
        try {
            return server.getDivision(group.getGroupId()).getRaftLog().getLastCommittedIndex();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The index of the last entry in this member's log (committed or not), or -1 when it is empty or not running. */
    public long lastLogIndex() {
        try {
            TermIndex last = server.getDivision(group.getGroupId()).getRaftLog().getLastEntryTermIndex();
            return last == null ? -1 : last.getIndex();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The first index still in this member's log (entries before it were purged after a snapshot). */
    public long firstLogIndex() {
        try {
            return server.getDivision(group.getGroupId()).getRaftLog().getStartIndex();
        } catch (IOException e) {
            return -1;
        }
    }

    public boolean isLeader() {
        DivisionInfo info = info();
        return info.isLeader() && info.isLeaderReady();
    }

    /** The current leader's id, or null while there is none. */
    public String leaderId() {
        RaftPeerId id = info().getLeaderId();
        return id == null ? null : id.toString();
    }

    public MemberStatus status() {
        DivisionInfo info = info();
        PeerConfig self = config.self();
        return new MemberStatus(
                self.id(),
                self.raft(),
                self.rpc(),
                self.http(),
                info.getCurrentRole().name(),
                info.getCurrentTerm(),
                commitIndex(),
                stateMachine.getLastAppliedTermIndex().getIndex(),
                stateMachine.getLatestSnapshot().getIndex(),
                leaderId(),
                true,
                null);
    }

    public String selfId() {
        return selfId.toString();
    }

    public CoordinatorConfig config() {
        return config;
    }

    public static Response unavailable(String why) {
        return new Response.ErrorReply(ErrorCode.UNAVAILABLE, why);
    }

    @Override
    public void close() throws IOException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
