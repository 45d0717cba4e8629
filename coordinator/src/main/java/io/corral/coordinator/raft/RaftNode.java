package io.corral.coordinator.raft;

import io.corral.client.HostPort;
import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.coordinator.config.PeerConfig;
import io.corral.coordinator.membership.Configuration;
import io.corral.coordinator.membership.FollowerProgress;
import io.corral.coordinator.membership.Member;
import io.corral.coordinator.membership.Members;
import io.corral.coordinator.membership.MembershipException;
import io.corral.coordinator.membership.MembershipRules;
import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.TestFault;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.protocol.exceptions.ReconfigurationTimeoutException;
import org.apache.ratis.protocol.exceptions.SetConfigurationException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One coordinator's Raft member: the Ratis server (gRPC transport) running {@link CorralStateMachine}, and a Ratis
 * client through which this node submits commands and linearizable reads. The client follows the leader, so the RPC
 * layer on a follower forwards writes without knowing who leads; Ratis' retry cache makes its retries exactly-once.
 *
 * <p>Membership: the group starts from the static {@code peers} (or, with {@code join: true}, from this member alone
 * as a listener, which never campaigns and waits for a leader to add it); from then on the configuration in the log
 * wins. Each member's RPC and HTTP addresses travel in the configuration ({@link PeerAddresses}), so {@link
 * #configuration()} names every member with its addresses, on every member.
 */
public final class RaftNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

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
    private final RaftGroupId groupId;
    /** The group a member with no configuration in its log yet starts from. */
    private final RaftGroup bootstrap;

    private final RaftPeerId selfId;
    /** The gRPC transport's parameters: its TLS, when the configuration has a tls section ({@link RaftTls}). */
    private final Parameters rpcParameters;

    private RaftServer server;
    /** Admin calls (snapshots, leadership transfer): follows the leader. Writes go through {@link #writer}. */
    private RaftClient client;
    /**
     * Reads are submitted to this member's server in-process, not through a client: no loopback gRPC hop, and no
     * client that resets its connection (a multi-second stall) when a read fails during an election.
     */
    private final ClientId readerId = ClientId.randomId();

    private final AtomicLong readCallIds = new AtomicLong();
    /** When a timed-out read may next replace the channel to the leader ({@link #replaceChannelToLeader}). */
    private final AtomicLong nextChannelReplaceNanos = new AtomicLong(System.nanoTime());
    /** Configuration changes are submitted to this member's server in-process too (it leads when it changes one). */
    private final ClientId adminId = ClientId.randomId();

    private final AtomicLong adminCallIds = new AtomicLong();

    /** {@link TestFault#STICKY_WRITE_FAILURE}: a deliberate bug for the harness's availability checker. */
    private final boolean stickyWriteFailure;

    /** Writes: in-process on the leader, over gRPC to the leader elsewhere (see {@link RaftWriter}). */
    private RaftWriter writer;
    /** Gathers the writes that wait while earlier ones are in flight into one entry ({@link WriteBatcher}). */
    private WriteBatcher batcher;

    private final WriteOutcomes writeOutcomes = new WriteOutcomes();

    /** Followers silent for the longest election timeout get a new channel from the leader. */
    private final SilentPeers silentPeers;

    private final ScheduledExecutorService channels = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "raft-channels");
        t.setDaemon(true);
        return t;
    });

    public RaftNode(CoordinatorConfig config, CorralStateMachine stateMachine) {
        this.config = config;
        this.stateMachine = stateMachine;
        this.selfId = RaftPeerId.valueOf(config.nodeId());
        this.groupId = groupId(config.clusterName());
        this.bootstrap = RaftGroup.valueOf(groupId, bootstrapPeers(config));
        this.rpcParameters = RaftTls.parameters(config);
        this.stickyWriteFailure = TestFault.parse(config.testing().faults()).contains(TestFault.STICKY_WRITE_FAILURE);
        this.silentPeers = new SilentPeers(config.raft().electionTimeoutMaxMs());
    }

    /**
     * The static peers, or this member alone as a listener when it joins a running cluster: it then never campaigns
     * (a listener does not), and a leader that adds it replaces this configuration with the cluster's.
     */
    static List<RaftPeer> bootstrapPeers(CoordinatorConfig config) {
        if (config.join()) {
            return List.of(RaftPeer.newBuilder(raftPeer(Members.self(config)))
                    .setStartupRole(RaftPeerRole.LISTENER)
                    .build());
        }
        return peers(config.peers());
    }

    /** The Raft group id is derived from the cluster name, so every member computes the same one. */
    public static RaftGroupId groupId(String clusterName) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("corral:" + clusterName).getBytes(StandardCharsets.UTF_8)));
    }

    static List<RaftPeer> peers(List<PeerConfig> peers) {
        return raftPeers(peers.stream().map(Member::of).toList());
    }

    static List<RaftPeer> raftPeers(List<Member> members) {
        return members.stream().map(RaftNode::raftPeer).toList();
    }

    /** A member as Ratis knows it: its Raft address, and its RPC and HTTP addresses in the spare field. */
    static RaftPeer raftPeer(Member m) {
        RaftPeer.Builder b = RaftPeer.newBuilder().setId(m.id()).setAddress(m.raftAddress());
        if (m.rpcAddress() != null) {
            b.setDataStreamAddress(PeerAddresses.encode(m.rpcAddress(), m.httpAddress()));
        }
        return b.build();
    }

    public void start() throws IOException {
        RaftProperties props = serverProperties();
        server = RaftServer.newBuilder()
                .setServerId(selfId)
                .setGroup(bootstrap)
                .setProperties(props)
                .setParameters(rpcParameters)
                .setStateMachine(stateMachine)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        client = newClient();
        writer = newWriter();
        batcher = new WriteBatcher(writer, RaftNode::monotonicMs, config.raft().requestTimeoutMs());
        long checkMs = Math.max(100, config.raft().electionTimeoutMinMs() / 2);
        channels.scheduleWithFixedDelay(this::replaceSilentChannels, checkMs, checkMs, TimeUnit.MILLISECONDS);
    }

    /** On the leader: replaces the channels to followers that stopped answering ({@link SilentPeers} says why). */
    private void replaceSilentChannels() {
        try {
            Map<String, Long> sinceContactMs = new HashMap<>();
            for (FollowerProgress f : followerProgress()) {
                sinceContactMs.put(f.member().id(), f.lastContactMs());
            }
            for (String id : silentPeers.due(sinceContactMs, monotonicMs())) {
                LOG.info(
                        "follower {} has not answered for {} ms: replacing the leader's channel to it",
                        id,
                        sinceContactMs.get(id));
                replaceChannel(RaftPeerId.valueOf(id), id + " did not answer");
            }
        } catch (RuntimeException e) {
            LOG.warn("checking the channels to followers failed: {}", e.toString());
        }
    }

    private RaftWriter newWriter() {
        ClientId writerId = ClientId.randomId();
        return new RaftWriter(
                server,
                groupId,
                selfId,
                new RaftWriter.Leadership() {
                    @Override
                    public boolean selfLeads() {
                        RaftServer.Division d = division();
                        return d != null && d.getInfo().isLeader();
                    }

                    @Override
                    public RaftPeer knownLeader() {
                        RaftServer.Division d = division();
                        return d == null
                                ? null
                                : d.getRaftConf().getPeer(d.getInfo().getLeaderId());
                    }
                },
                writerId,
                new GrpcFactory(rpcParameters).newRaftClientRpc(writerId, clientProperties()),
                new RaftWriter.Timing(
                        config.raft().requestTimeoutMs(),
                        attemptTimeoutMs(),
                        config.health().writeProbeIntervalMs()),
                RaftNode::monotonicMs,
                writeOutcomes,
                RaftMessages.command(new Command.Probe(selfId.toString())),
                stickyWriteFailure);
    }

    /** A client of the group as the log has it now (it follows the leader's answers from then on). */
    private RaftClient newClient() {
        Configuration now = configuration();
        List<RaftPeer> peers = now == null ? bootstrap.getPeers().stream().toList() : raftPeers(now.everyone());
        return RaftClient.newBuilder()
                .setRaftGroup(RaftGroup.valueOf(groupId, peers))
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

    /** The longest pause between a leader's appends to a follower that keeps failing them. */
    static final long APPENDER_ERROR_RETRY_MAX_MS = 500;

    /**
     * How the leader paces its appends to a follower that fails them (down, restarting, cut off): at once for the first
     * ten errors, then every 100 ms for twenty, then every {@link #APPENDER_ERROR_RETRY_MAX_MS} for as long as it takes
     * (Ratis randomizes each pause to 50..150 %). Ratis' default pauses 5 s after thirty errors, so a member restarted
     * after a crash heard from its leader up to 7.5 s after it was up: the fault-injection harness saw a restarted
     * member's first write 9.3 s after its restart. An append to a follower that is down costs one refused connection
     * or one timed-out call; twice a second costs nothing.
     */
    static void paceAppends(RaftProperties p) {
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(
                p, "1ms,10, 100ms,20, " + APPENDER_ERROR_RETRY_MAX_MS + "ms," + Integer.MAX_VALUE);
    }

    /**
     * A follower appends what its leader sends on the thread that received it, as Ratis did before 3.2, not through
     * Ratis 3.3's composed append ({@code raft.server.log.append-entries.compose.enabled}, on by default). That chains
     * each append onto the previous one with {@code thenComposeAsync} on the JVM's common pool, which starts a thread
     * per append on a machine of two cores or fewer, and whose chain, once one append failed, fails every later one
     * with that same error, for good: the fault-injection harness saw a follower answer every append for minutes with
     * one stale {@code Already running a method by n3-server-thread6} and never catch up (docs/jepsen.md, "Status"). An
     * append that fails inline fails alone; the leader sends it again.
     */
    static void appendInline(RaftProperties p) {
        RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(p, false);
    }

    /**
     * The leader sends an append as soon as there is one ({@code raft.server.log.appender.wait-time.min} 0), not at
     * least 1 ms after its previous append to that follower (Ratis' default), which a commit waited out before it left;
     * Apache Ozone's datanodes run with 0 too. Appends to a follower that fails them stay paced by {@link #paceAppends}.
     *
     * <p>No log-metadata entries ({@code raft.server.log.log-metadata.enabled}): Ratis' leader appended an entry of its
     * own each time its commit index moved, so that the followers learned of the commit; at low load every other entry,
     * replicated, written to every log and applied. The leader's appender sends the followers the new commit index in
     * an append without entries instead ({@link CorralGrpc#pushesCommit}); without either, a quiet cluster's followers
     * applied a write only with the next heartbeat (a stale read on a follower right after a write missed it).
     */
    static void appendAtOnce(RaftProperties p) {
        RaftServerConfigKeys.Log.Appender.setWaitTimeMin(p, TimeDuration.ZERO);
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    }

    private RaftProperties serverProperties() {
        CoordinatorConfig.Raft r = config.raft();
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(
                p, List.of(config.dataDir().resolve("raft").toFile()));
        // gRPC with the RATIS-2500 fix: a restarted follower whose state ends just before the leader's log is repaired.
        org.apache.ratis.RaftConfigKeys.Rpc.setType(p, new CorralGrpc());
        // On the configured host only, as the RPC and HTTP ports: Ratis otherwise listens on every interface.
        HostPort raft = HostPort.parse(config.raftAddress());
        GrpcConfigKeys.Server.setHost(p, raft.host());
        GrpcConfigKeys.Server.setPort(p, raft.port());
        GrpcConfigKeys.setMessageSizeMax(p, GRPC_MESSAGE_MAX);
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, APPENDER_BUFFER_MAX);
        paceAppends(p);
        appendInline(p);
        appendAtOnce(p);
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

    /**
     * Commits a command through the leader; completes with the state machine's reply, or an error once {@code
     * raft.requestTimeoutMs} has passed (see {@link RaftWriter}: the write path heals itself after any fault).
     */
    public CompletableFuture<Response> submit(Command command) {
        return batcher.submit(command);
    }

    /** Commands this member proposed since it started; batched ones share a write ({@link WriteBatcher}). */
    public long commandsProposed() {
        return batcher.stats().commands();
    }

    /** How many entries this member's writes took, and how many commands they held ({@link WriteBatcher}). */
    WriteBatcher.Stats writeBatches() {
        return batcher.stats();
    }

    /** The local Raft server and group, for tests that submit a request of their own making. */
    RaftServer server() {
        return server;
    }

    RaftGroupId groupId() {
        return groupId;
    }

    /**
     * Whether this member can commit ({@link WriteHealth}): unhealthy when its writes have failed for {@code
     * health.writeStallMs} although a leader is reachable.
     */
    public WriteHealth writeHealth() {
        return WriteHealth.evaluate(
                writeOutcomes.snapshot(), monotonicMs(), config.health().writeStallMs(), reachableLeader());
    }

    public WriteOutcomes.Snapshot writeOutcomes() {
        return writeOutcomes.snapshot();
    }

    /**
     * The leader this member hears from: itself when it leads; for a follower or listener, the leader whose last
     * append arrived within the longest election timeout; otherwise null.
     */
    String reachableLeader() {
        RaftServer.Division d = division();
        if (d == null) {
            return null;
        }
        DivisionInfo info = d.getInfo();
        if (info.isLeader()) {
            return info.isLeaderReady() ? selfId.toString() : null;
        }
        RaftPeerId leader = info.getLeaderId();
        RoleInfoProto role = info.getRoleInfoProto();
        if (leader == null || !role.hasFollowerInfo()) {
            return null;
        }
        long sinceContactMs = role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs();
        return sinceContactMs <= config.raft().electionTimeoutMaxMs() ? leader.toString() : null;
    }

    private static long monotonicMs() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    /**
     * A read answered by this node: linearizable (ReadIndex, leader lease) unless {@code stale}. A read changes
     * nothing, so while the cluster elects a new leader it is retried here, every {@link #READ_RETRY_PAUSE_MS}, until
     * it succeeds or {@code raft.requestTimeoutMs} has passed: the client sees one slower answer instead of an error.
     */
    public CompletableFuture<Response> read(Request query, boolean stale) {
        return read(query, Caller.SYSTEM, stale);
    }

    /** A read answered as {@code caller} may see it (see {@link Caller}). */
    public CompletableFuture<Response> read(Request query, Caller caller, boolean stale) {
        long deadlineNanos =
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.raft().requestTimeoutMs());
        CompletableFuture<Response> result = new CompletableFuture<>();
        readAttempt(query, caller, stale, deadlineNanos, result);
        return result;
    }

    private void readAttempt(
            Request query, Caller caller, boolean stale, long deadlineNanos, CompletableFuture<Response> result) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(readerId)
                .setServerId(selfId)
                .setGroupId(groupId)
                .setCallId(readCallIds.incrementAndGet())
                .setMessage(RaftMessages.query(query, caller))
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
            if (transientError && !stale) {
                replaceChannelToLeader();
            }
            long leftNanos = deadlineNanos - System.nanoTime();
            if (transientError && leftNanos > TimeUnit.MILLISECONDS.toNanos(READ_RETRY_PAUSE_MS)) {
                CompletableFuture.delayedExecutor(READ_RETRY_PAUSE_MS, TimeUnit.MILLISECONDS)
                        .execute(() -> readAttempt(query, caller, stale, deadlineNanos, result));
            } else {
                result.complete(r);
            }
        });
    }

    /**
     * A follower's linearizable read asks the leader for its commit index (ReadIndex) over Ratis' server-to-server
     * gRPC channel, which has no keepalive. After a partition heals, a channel whose packets were dropped can stay
     * dead without knowing it until TCP's retransmission backoff gets through: the fault-injection harness saw a
     * member's reads fail for 18 s after a heal while its writes (whose streams {@link RaftWriter} replaces) already
     * worked ({@link SilentPeers} is the leader's side of the same problem). A follower whose read failed while it
     * knows a leader therefore replaces its channel to the leader, at most once per attempt timeout (the reads in
     * flight on it fail and are retried).
     */
    private void replaceChannelToLeader() {
        RaftServer.Division d = division();
        RaftPeerId leader =
                d == null || d.getInfo().isLeader() ? null : d.getInfo().getLeaderId();
        long now = System.nanoTime();
        long next = nextChannelReplaceNanos.get();
        if (leader == null || leader.equals(selfId) || now - next < 0) {
            return;
        }
        if (nextChannelReplaceNanos.compareAndSet(next, now + TimeUnit.MILLISECONDS.toNanos(attemptTimeoutMs()))) {
            LOG.info("a read failed while leader {} is known: replacing this member's channel to it", leader);
            replaceChannel(leader, "a read index failed");
        }
    }

    /**
     * Replaces Ratis' channel to {@code peer}: the next request to it opens a new connection. Closing the old channel
     * waits up to seconds for its streams, so it happens on a thread of its own, never on the caller's.
     */
    private void replaceChannel(RaftPeerId peer, String why) {
        Thread t = new Thread(
                () -> server.getServerRpc().handleException(peer, new TimeoutIOException(why), true),
                "raft-channel-replace-" + peer);
        t.setDaemon(true);
        t.start();
    }

    /**
     * The answer in a Raft reply. Never throws: an answer that does not decode is an INTERNAL error reply, since a
     * thrown exception here would leave the caller's future, and its client, waiting forever.
     */
    static Response toResponse(RaftClientReply reply, Throwable error) {
        if (error != null) {
            return RaftErrors.toErrorReply(error);
        }
        if (!reply.isSuccess()) {
            return RaftErrors.toErrorReply(reply.getException());
        }
        try {
            return RaftMessages.reply(reply.getMessage().getContent());
        } catch (RuntimeException e) {
            LOG.error("an answer of this member's state machine does not decode", e);
            return new Response.ErrorReply(ErrorCode.INTERNAL, "the answer does not decode: " + e.getMessage());
        }
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
                readerId, selfId, groupId, readCallIds.incrementAndGet(), RaftPeerId.valueOf(targetId), timeoutMs);
        try {
            return server.transferLeadershipAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** This member's Raft division, or null when it is not running (not started, closed, or shut down by Ratis). */
    private RaftServer.Division division() {
        if (server == null) {
            return null;
        }
        try {
            RaftServer.Division d = server.getDivision(groupId);
            return d.getInfo().isAlive() ? d : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether this member's Raft division runs (false once it failed, or after it was removed from the group). */
    public boolean running() {
        return division() != null;
    }

    public DivisionInfo info() {
        RaftServer.Division d = division();
        if (d == null) {
            throw new IllegalStateException("raft division is not running");
        }
        return d.getInfo();
    }

    public long commitIndex() {
        RaftServer.Division d = division();
        return d == null ? -1 : d.getRaftLog().getLastCommittedIndex();
    }

    /** The index of the last entry in this member's log (committed or not), or -1 when it is empty or not running. */
    public long lastLogIndex() {
        RaftServer.Division d = division();
        TermIndex last = d == null ? null : d.getRaftLog().getLastEntryTermIndex();
        return last == null ? -1 : last.getIndex();
    }

    /** The first index still in this member's log (entries before it were purged after a snapshot). */
    public long firstLogIndex() {
        RaftServer.Division d = division();
        return d == null ? -1 : d.getRaftLog().getStartIndex();
    }

    public boolean isLeader() {
        RaftServer.Division d = division();
        return d != null && d.getInfo().isLeader() && d.getInfo().isLeaderReady();
    }

    /** The current leader's id, or null while there is none. */
    public String leaderId() {
        RaftServer.Division d = division();
        RaftPeerId id = d == null ? null : d.getInfo().getLeaderId();
        return id == null ? null : id.toString();
    }

    /**
     * This member's status. A member whose Raft division is not running (Ratis shuts down the division of a member
     * removed from the configuration) reports role {@code NOT_RUNNING}; one that cannot commit ({@link
     * #writeHealth()}) says so in {@code error}.
     */
    public MemberStatus status() {
        Member self = Members.self(config);
        RaftServer.Division d = division();
        if (d == null) {
            return new MemberStatus(
                    self.id(),
                    self.raftAddress(),
                    self.rpcAddress(),
                    self.httpAddress(),
                    "NOT_RUNNING",
                    -1,
                    -1,
                    stateMachine.getLastAppliedTermIndex().getIndex(),
                    -1,
                    null,
                    true,
                    failureProblem() != null
                            ? failureProblem()
                            : "this member's Raft division is not running (removed from the configuration?)");
        }
        DivisionInfo info = d.getInfo();
        // A member that answers but cannot do its job says why in the error column (wait-healthy counts it unhealthy).
        String problem =
                failureProblem() != null ? failureProblem() : writeHealth().problem();
        return new MemberStatus(
                self.id(),
                self.raftAddress(),
                self.rpcAddress(),
                self.httpAddress(),
                info.getCurrentRole().name(),
                info.getCurrentTerm(),
                commitIndex(),
                stateMachine.getLastAppliedTermIndex().getIndex(),
                stateMachine.getLatestSnapshot().getIndex(),
                leaderId(),
                true,
                problem);
    }

    /** The state machine's failure (a log or store write that failed, an entry it could not apply), or null. */
    private String failureProblem() {
        Throwable f = stateMachine.failure();
        return f == null ? null : "failed, restart it once the cause is fixed: " + f.getMessage();
    }

    /**
     * The configuration this member's log holds (voters, listeners, and during a change the voters being left), each
     * member with its addresses; null while the Raft member is not running.
     */
    public Configuration configuration() {
        RaftServer.Division d = division();
        if (d == null) {
            return null;
        }
        RaftConfiguration conf = d.getRaftConf();
        List<Member> previous = members(conf.getPreviousPeers(RaftPeerRole.FOLLOWER));
        boolean uncommitted = conf.getLogEntryIndex() > d.getRaftLog().getLastCommittedIndex();
        return new Configuration(
                conf.getLogEntryIndex(),
                members(conf.getCurrentPeers(RaftPeerRole.FOLLOWER)),
                members(conf.getCurrentPeers(RaftPeerRole.LISTENER)),
                previous,
                !previous.isEmpty() || uncommitted);
    }

    private List<Member> members(Collection<RaftPeer> peers) {
        return peers.stream()
                .map(p -> member(p.getId().toString(), p.getAddress(), p.getDataStreamAddress()))
                .toList();
    }

    /**
     * A member from what a configuration says of it. A configuration written before addresses were carried in it
     * (by an older version) has none: they come from the static peers then, or from this member's own config.
     */
    Member member(String id, String raftAddress, String carried) {
        PeerAddresses.Decoded a = PeerAddresses.decode(carried);
        if (a.rpc() != null) {
            return new Member(id, raftAddress, a.rpc(), a.http());
        }
        if (id.equals(config.nodeId())) {
            return Members.self(config);
        }
        return config.peers().stream()
                .filter(p -> p.id().equals(id))
                .findFirst()
                .map(p -> new Member(id, raftAddress, p.rpc(), p.http()))
                .orElse(new Member(id, raftAddress, null, null));
    }

    /** The RPC address of the leader a follower or listener hears from, as Ratis described it; null if unknown. */
    String rpcAddressOf(RaftPeerProto peer) {
        return member(peer.getId().toStringUtf8(), peer.getAddress(), peer.getDataStreamAddress())
                .rpcAddress();
    }

    /**
     * The leader's view of every member it replicates to (voters, listeners, and a new member it is catching up
     * before the configuration that adds it is written); empty on a member that does not lead.
     */
    public List<FollowerProgress> followerProgress() {
        RaftServer.Division d = division();
        if (d == null || !d.getInfo().isLeader()) {
            return List.of();
        }
        // Ratis lists the followers and their match indexes in two calls, both in the order of its log appenders;
        // an appender added or removed in between shows as a length mismatch, and the pair is read again.
        for (int attempt = 0; attempt < 3; attempt++) {
            RoleInfoProto role = d.getInfo().getRoleInfoProto();
            long[] match = d.getInfo().getFollowerMatchIndices();
            if (!role.hasLeaderInfo() || match == null) {
                return List.of();
            }
            List<ServerRpcProto> followers = role.getLeaderInfo().getFollowerInfoList();
            if (followers.size() == match.length) {
                List<FollowerProgress> out = new ArrayList<>(followers.size());
                for (int i = 0; i < match.length; i++) {
                    RaftPeerProto p = followers.get(i).getId();
                    Member m = member(p.getId().toStringUtf8(), p.getAddress(), p.getDataStreamAddress());
                    out.add(new FollowerProgress(m, match[i], followers.get(i).getLastRpcElapsedTimeMs()));
                }
                return out;
            }
        }
        return List.of();
    }

    /**
     * Changes the configuration from {@code expected} to the change's voters and listeners. Submitted to this
     * member's server in-process: it must lead. Compare-and-set: refused when the configuration is no longer {@code
     * expected}. New members are first caught up by the leader (Ratis' staging: a checkpoint install, then the log)
     * and the configuration is written once they are; then Raft's joint consensus commits it. Completes when the new
     * configuration is committed, or fails with a {@link MembershipException}.
     */
    public CompletableFuture<Void> changeConfiguration(
            Configuration expected, MembershipRules.Change change, long timeoutMs) {
        SetConfigurationRequest.Arguments args = SetConfigurationRequest.Arguments.newBuilder()
                .setServersInNewConf(raftPeers(change.voters()))
                .setListenersInNewConf(raftPeers(change.listeners()))
                .setServersInCurrentConf(raftPeers(expected.voters()))
                .setListenersInCurrentConf(raftPeers(expected.listeners()))
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                .build();
        SetConfigurationRequest request =
                new SetConfigurationRequest(adminId, selfId, groupId, adminCallIds.incrementAndGet(), args);
        CompletableFuture<RaftClientReply> f;
        try {
            f = server.setConfigurationAsync(request);
        } catch (IOException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.orTimeout(timeoutMs, TimeUnit.MILLISECONDS).handle((reply, error) -> {
            Throwable failure = error != null ? error : reply.isSuccess() ? null : reply.getException();
            if (failure != null) {
                throw membershipError(failure, timeoutMs);
            }
            return null;
        });
    }

    static MembershipException membershipError(Throwable error, long timeoutMs) {
        Throwable e = error;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof ReconfigurationInProgressException) {
            return new MembershipException(
                    ErrorCode.CONFLICT, "another configuration change is under way; wait until it ends");
        }
        if (e instanceof ReconfigurationTimeoutException) {
            return new MembershipException(
                    ErrorCode.UNAVAILABLE,
                    "the new member stopped answering the leader while it was being caught up, so nothing changed;"
                            + " check that it runs (started with join: true) and that the leader reaches its raft"
                            + " address (with TLS, that its certificate names the host of that address; the"
                            + " leader's log says why it failed)");
        }
        if (e instanceof SetConfigurationException) {
            return new MembershipException(
                    ErrorCode.CONFLICT,
                    "the configuration changed while this change was prepared; look again and retry: "
                            + e.getMessage());
        }
        if (e instanceof NotLeaderException || e instanceof LeaderSteppingDownException) {
            return new MembershipException(
                    ErrorCode.UNAVAILABLE,
                    "leadership moved during the change, whose outcome is unknown: see corral cluster status, retry");
        }
        if (e instanceof TimeoutException) {
            return new MembershipException(
                    ErrorCode.TIMEOUT,
                    "the change did not complete within " + timeoutMs + " ms; its outcome is unknown: see corral"
                            + " cluster status");
        }
        Response.ErrorReply r = RaftErrors.toErrorReply(e);
        return new MembershipException(r.code(), r.message());
    }

    public String selfId() {
        return selfId.toString();
    }

    public CoordinatorConfig config() {
        return config;
    }

    public static Response.ErrorReply unavailable(String why) {
        return new Response.ErrorReply(ErrorCode.UNAVAILABLE, why);
    }

    @Override
    public void close() throws IOException {
        channels.shutdownNow();
        if (batcher != null) {
            batcher.close();
        }
        if (writer != null) {
            writer.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
