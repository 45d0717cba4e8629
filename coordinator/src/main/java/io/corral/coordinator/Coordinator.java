package io.corral.coordinator;

import io.corral.coordinator.auth.CoordinatorSecurity;
import io.corral.coordinator.backup.RaftSeed;
import io.corral.coordinator.config.ConfigException;
import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.coordinator.http.HttpAuth;
import io.corral.coordinator.http.HttpConnections;
import io.corral.coordinator.http.HttpServer;
import io.corral.coordinator.http.StatusRoutes;
import io.corral.coordinator.lifecycle.CoordinatorHealth;
import io.corral.coordinator.lifecycle.CoordinatorReadiness;
import io.corral.coordinator.lifecycle.LeaderHandover;
import io.corral.coordinator.locks.LockWaits;
import io.corral.coordinator.membership.Members;
import io.corral.coordinator.raft.CorralStateMachine;
import io.corral.coordinator.raft.RaftNode;
import io.corral.coordinator.rpc.Authorization;
import io.corral.coordinator.rpc.CheckpointService;
import io.corral.coordinator.rpc.ClusterStatusCollector;
import io.corral.coordinator.rpc.CoordinatorService;
import io.corral.coordinator.rpc.MembershipService;
import io.corral.coordinator.rpc.PeerCheckpointSource;
import io.corral.coordinator.rpc.PeerClients;
import io.corral.coordinator.rpc.RpcMetrics;
import io.corral.coordinator.rpc.WorkerListCollector;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.Event;
import io.corral.coordinator.state.StateCore;
import io.corral.coordinator.state.TestFault;
import io.corral.coordinator.time.SteadyClock;
import io.corral.coordinator.workers.Dispatcher;
import io.corral.coordinator.workers.WorkerRegistry;
import io.corral.coordinator.workers.WorkerService;
import io.corral.protocol.transport.RpcServer;
import io.corral.protocol.transport.ServerOptions;
import io.corral.systemd.Health;
import io.corral.systemd.Readiness;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import org.apache.ratis.server.DivisionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running coordinator: Raft member, state machine, client RPC server, HTTP server and housekeeping. */
public final class Coordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

    private final CoordinatorConfig config;
    /** TLS and tokens, read from their files once, before anything starts. */
    private final CoordinatorSecurity security;

    private final CorralStateMachine stateMachine;
    private final RaftNode raft;
    private final Members members;
    private final PeerClients peers;
    private final ExecutorService blocking;
    private final Housekeeper housekeeper;
    private final CatchUpWatchdog watchdog;
    private final LockWaits lockWaits;
    private final LongSupplier clockMs;
    private final Dispatcher dispatcher;
    private final WorkerService workers;
    private RpcServer rpc;
    private HttpServer http;
    /** The last index in the Raft log when this member started: readiness waits until it is applied. */
    private volatile long startupLastLogIndex = -1;

    private Coordinator(CoordinatorConfig config, LongSupplier clockMs) {
        this.config = config;
        this.security = CoordinatorSecurity.load(config);
        PeerClients.Credentials credentials = new PeerClients.Credentials(security.peerTls(), security.peerToken());
        CoreLimits limits = limits(config);
        Set<TestFault> faults = TestFault.parse(config.testing().faults());
        if (!faults.isEmpty()) {
            LOG.warn(
                    "TEST FAULTS ON: {}: this coordinator breaks Corral's promises on purpose; never run it with data "
                            + "you care about",
                    config.testing().faults());
        }
        LockWaits lockWaits = new LockWaits();
        WorkerService[] workerService = new WorkerService[1];
        this.members = new Members(config);
        this.stateMachine = new CorralStateMachine(
                config.dataDir(),
                new StateCore(limits, faults),
                clockMs,
                new PeerCheckpointSource(members, credentials),
                (index, command, events) -> {
                    List<Event> lockEvents = events.stream()
                            .filter(e -> e instanceof Event.LockGranted || e instanceof Event.LockWaitEnded)
                            .toList();
                    if (!lockEvents.isEmpty()) {
                        lockWaits.onEvents(lockEvents);
                    }
                    // Set before Raft starts, so before the first apply.
                    workerService[0].onApplied(command, events);
                });
        this.raft = new RaftNode(config, stateMachine);
        members.follow(raft::configuration);
        WorkerRegistry registry = new WorkerRegistry();
        this.dispatcher = new Dispatcher(raft, stateMachine, registry, config.workers(), clockMs);
        stateMachine.submissionGrants(dispatcher);
        this.workers = new WorkerService(raft, stateMachine, registry, dispatcher, config.workers(), clockMs);
        workerService[0] = workers;
        this.peers = new PeerClients(config.nodeId(), credentials);
        this.blocking = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "coordinator-blocking");
            t.setDaemon(true);
            return t;
        });
        this.housekeeper = new Housekeeper(raft, stateMachine, config, clockMs);
        this.watchdog = new CatchUpWatchdog(raft, stateMachine, members, peers, clockMs);
        this.lockWaits = lockWaits;
        this.clockMs = clockMs;
    }

    static CoreLimits limits(CoordinatorConfig config) {
        return CoreLimits.defaults().withMaxImageBytes(config.limits().maxImageBytes());
    }

    /**
     * Starts every part; on failure whatever started is closed again. {@code wallClockMs} is the host's wall clock: it
     * is read once, and the coordinator's time then advances with the monotonic clock ({@link SteadyClock}), so a step
     * of the host's clock never expires a lease or a lock early.
     */
    public static Coordinator start(CoordinatorConfig config, LongSupplier wallClockMs) throws IOException {
        long jvmBootMs = ManagementFactory.getRuntimeMXBean().getUptime();
        long startNanos = System.nanoTime();
        Coordinator c = new Coordinator(config, SteadyClock.startingNow(wallClockMs, System::nanoTime));
        try {
            c.startParts(jvmBootMs, startNanos);
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.close();
            throw new IOException("interrupted while starting", e);
        }
    }

    private void startParts(long jvmBootMs, long startNanos) throws IOException, InterruptedException {
        RaftSeed.requireOwnGroupOnly(config.dataDir(), config.clusterName());
        // Ratis ends the whole process when it cannot listen: find out first, and name the setting.
        checkCanListen("raftAddress", config.raftAddress());
        checkCanListen("rpcAddress", config.rpcAddress());
        checkCanListen("httpAddress", config.httpAddress());
        long raftStartNanos = System.nanoTime();
        raft.start();
        long raftMs = (System.nanoTime() - raftStartNanos) / 1_000_000;
        startupLastLogIndex = raft.lastLogIndex();
        RpcMetrics metrics = new RpcMetrics();
        ClusterStatusCollector cluster = new ClusterStatusCollector(raft, members, peers);
        CoordinatorService service = new CoordinatorService(
                raft,
                limits(config),
                lockWaits,
                new CheckpointService(stateMachine, config.dataDir(), clockMs),
                cluster,
                new WorkerListCollector(members, peers, workers::localWorkers, blocking),
                blocking,
                metrics,
                workers,
                stateMachine,
                new MembershipService(
                        raft,
                        members,
                        peers,
                        blocking,
                        config.raft().electionTimeoutMaxMs(),
                        config.raft().requestTimeoutMs()));
        rpc = RpcServer.start(
                address(config.rpcAddress()),
                security.authenticator() == null ? service : new Authorization(service, metrics),
                serverOptions(),
                security.rpc());
        HttpConnections httpConnections = new HttpConnections();
        http = HttpServer.start(
                address(config.httpAddress()),
                new StatusRoutes(
                                raft,
                                stateMachine,
                                metrics,
                                cluster,
                                workers,
                                rpc::limitStats,
                                httpConnections,
                                () -> CoordinatorHealth.checkFromHttp(raft, stateMachine, rpc))
                        .routes(),
                security.httpTls(),
                security.authenticator() == null ? null : new HttpAuth(security.authenticator()),
                config.http(),
                httpConnections);
        housekeeper.start();
        dispatcher.start();
        watchdog.start();
        LOG.info(
                "coordinator {} up: raft {}, rpc {}, http {}, data {}, {}; started in {} ms after {} ms of JVM boot"
                        + " (Raft server and state store: {} ms)",
                config.nodeId(),
                config.raftAddress(),
                rpc.boundAddress(),
                http.boundAddress(),
                config.dataDir(),
                security,
                (System.nanoTime() - startNanos) / 1_000_000,
                jvmBootMs,
                raftMs);
    }

    private ServerOptions serverOptions() {
        CoordinatorConfig.Limits l = config.limits();
        return ServerOptions.defaults()
                .withMaxConnections(l.maxConnections())
                .withMaxInFlightPerConnection(l.maxInFlightPerConnection())
                .withMaxPreAuthFrameBytes(l.maxPreAuthFrameBytes())
                .withMaxUnfinishedFrameBytes(l.maxUnfinishedFrameBytes())
                .withFrameTimeoutMs(l.frameTimeoutMs())
                .withHandshakeTimeoutMs(l.handshakeTimeoutMs())
                .withMaxPreAuthConnectionsPerAddress(l.maxPreAuthConnectionsPerAddress())
                .withNodeId(config.nodeId());
    }

    /**
     * Each port listens on its setting's host only, which must therefore be an address of this machine (or a name
     * that resolves to one), and its port must be free.
     */
    static void checkCanListen(String key, String hostPort) {
        InetSocketAddress a = address(hostPort);
        if (a.isUnresolved()) {
            throw new ConfigException(
                    key,
                    "cannot listen on " + hostPort + ": '" + a.getHostString() + "' does not resolve to an address");
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(a);
        } catch (BindException e) {
            String why = "Cannot assign requested address".equalsIgnoreCase(e.getMessage())
                    ? a.getAddress().getHostAddress() + " is not an address of this machine (each port listens on"
                            + " its own setting's host)"
                    : e.getMessage();
            throw new ConfigException(key, "cannot listen on " + hostPort + ": " + why);
        } catch (IOException e) {
            throw new ConfigException(key, "cannot listen on " + hostPort + ": " + e.getMessage());
        }
    }

    static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    public RaftNode raft() {
        return raft;
    }

    public CorralStateMachine stateMachine() {
        return stateMachine;
    }

    public CoordinatorConfig config() {
        return config;
    }

    public InetSocketAddress rpcAddress() {
        return rpc.boundAddress();
    }

    public InetSocketAddress httpAddress() {
        return http.boundAddress();
    }

    /** The index of the last entry in the Raft log when this member started (-1: empty). */
    public long startupLastLogIndex() {
        return startupLastLogIndex;
    }

    /** Whether this member is ready to serve, and its status line (see {@link CoordinatorReadiness}). */
    public Readiness readiness() {
        DivisionInfo info = raft.info();
        return CoordinatorReadiness.evaluate(
                config.nodeId(),
                startupLastLogIndex,
                stateMachine.getLastAppliedTermIndex().getIndex(),
                raft.lastLogIndex(),
                raft.leaderId(),
                info.getCurrentTerm());
    }

    /** What the systemd watchdog checks (see {@link CoordinatorHealth}); bounded by a few event-loop probes. */
    public Health health() {
        return CoordinatorHealth.check(raft, stateMachine, rpc, http);
    }

    /**
     * The orderly stop (SIGTERM): a leader first hands leadership to its most caught-up follower, waiting at most
     * {@code shutdown.leaderTransferTimeoutMs} for another member to lead; then everything is closed as by
     * {@link #close()}. {@link #close()} alone stops at once, as a crash would, which tests of failover rely on.
     */
    public LeaderHandover.Result shutdown() {
        LeaderHandover.Result handover = new LeaderHandover(
                        raft,
                        config.shutdown().leaderTransferTimeoutMs(),
                        config.raft().electionTimeoutMaxMs())
                .run();
        close();
        return handover;
    }

    @Override
    public void close() {
        LOG.info("coordinator {} stopping", config.nodeId());
        housekeeper.close();
        dispatcher.close();
        watchdog.close();
        closeQuietly(http);
        closeQuietly(rpc);
        closeQuietly(raft);
        peers.close();
        blocking.shutdownNow();
        LOG.info("coordinator {} stopped", config.nodeId());
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("error while closing {}: {}", c.getClass().getSimpleName(), e.toString());
        }
    }
}
