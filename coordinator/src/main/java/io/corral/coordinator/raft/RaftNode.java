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
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
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
    /**
     * One attempt of a write or a ReadIndex. Short, because an attempt sent to a leader that just died waits this long
     * before the client tries another member; the whole request is bounded by {@code raft.requestTimeoutMs}.
     */
    static final long ATTEMPT_TIMEOUT_MS = 3000;

    private final CoordinatorConfig config;
    private final CorralStateMachine stateMachine;
    private final RaftGroup group;
    private final RaftPeerId selfId;
    private RaftServer server;
    /** Writes and admin calls: follows the leader. */
    private RaftClient client;
    /**
     * Reads addressed to this member. A separate client because Ratis orders a client's async requests per target
     * in one sliding window per target while the server sees one window per client: mixing reads addressed to this
     * member with writes that go to the leader (when this member leads) in one client loses replies.
     */
    private RaftClient readClient;

    public RaftNode(CoordinatorConfig config, CorralStateMachine stateMachine) {
        this.config = config;
        this.stateMachine = stateMachine;
        this.selfId = RaftPeerId.valueOf(config.nodeId());
        this.group = RaftGroup.valueOf(groupId(config.clusterName()), peers(config.peers()));
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
                .setStateMachine(stateMachine)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        client = newClient();
        readClient = newClient();
    }

    private RaftClient newClient() {
        return RaftClient.newBuilder()
                .setRaftGroup(group)
                .setProperties(clientProperties())
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        (int) Math.max(1, config.raft().requestTimeoutMs() / CLIENT_RETRY_SLEEP_MS),
                        TimeDuration.valueOf(CLIENT_RETRY_SLEEP_MS, TimeUnit.MILLISECONDS)))
                .build();
    }

    private RaftProperties serverProperties() {
        CoordinatorConfig.Raft r = config.raft();
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(
                p, List.of(config.dataDir().resolve("raft").toFile()));
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
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, ms(r.requestTimeoutMs()));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
        RaftServerConfigKeys.Read.setTimeout(p, ms(Math.min(ATTEMPT_TIMEOUT_MS, r.requestTimeoutMs())));
        return p;
    }

    private RaftProperties clientProperties() {
        RaftProperties p = new RaftProperties();
        GrpcConfigKeys.setMessageSizeMax(p, GRPC_MESSAGE_MAX);
        org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(
                p, ms(config.raft().requestTimeoutMs()));
        return p;
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

    /** A read answered by this node: linearizable (ReadIndex, leader lease) unless {@code stale}. */
    public CompletableFuture<Response> read(Request query, boolean stale) {
        CompletableFuture<RaftClientReply> f = stale
                ? readClient.async().sendStaleRead(RaftMessages.query(query), 0, selfId)
                : readClient.async().sendReadOnly(RaftMessages.query(query), selfId);
        return bounded(f);
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
        if (readClient != null) {
            readClient.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
