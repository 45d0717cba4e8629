package io.corral.worker;

import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.metrics.JvmMetrics;
import io.corral.metrics.PrometheusText;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.LeaseRef;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.StaleLease;
import io.corral.systemd.Health;
import io.corral.systemd.Readiness;
import io.corral.worker.internal.Blobs;
import io.corral.worker.internal.Calls;
import io.corral.worker.internal.ClientClusterPort;
import io.corral.worker.internal.ClusterPort;
import io.corral.worker.internal.MetricsEndpoint;
import io.corral.worker.internal.TaskRun;
import io.corral.worker.internal.WorkerHealth;
import io.corral.worker.internal.WorkerIds;
import io.corral.worker.internal.WorkerMetrics;
import io.corral.worker.internal.WorkerReadiness;
import io.corral.worker.internal.WorkerSecurity;
import io.corral.worker.pipeline.ImagePipeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker agent: registers with the cluster, runs the tasks leased to it on a fixed number of slots, keeps their
 * leases alive with heartbeats, and drains gracefully. Thread-safe.
 *
 * <p><b>Threads.</b> Offers and revocations arrive on the client's callback thread and are only admitted there
 * (never run). Tasks run on {@code slots} slot threads. One session thread registers (again after every lost
 * connection) and heartbeats. One timer thread enforces the task timeout.
 *
 * <p><b>Slots.</b> A slot is busy from the moment an offer is admitted until its task thread has returned, even if
 * the lease ended earlier (aborted, timed out): the thread still uses the CPU. An offer beyond the free slots (the
 * coordinator's view of them lagged) or during a drain is given back at once with {@code ReleaseLeases}, which
 * does not count an attempt. An offer of a lease this worker runs or recently ended (coordinators offer again a lease
 * the worker's heartbeats never listed, assuming the first offer was lost) is ignored.
 */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    private static final long REGISTER_BACKOFF_BASE_MS = 200;
    private static final long REGISTER_BACKOFF_MAX_MS = 10_000;
    /** Until the coordinator says otherwise; it always does, in its answer to RegisterWorker. */
    private static final long DEFAULT_HEARTBEAT_MS = 1_000;
    /** After the drain grace, how long released tasks get to notice their interrupt before the port closes. */
    private static final long STOP_WAIT_MS = 5_000;
    /** Far more than the leases a worker ends within the coordinators' re-offer window. */
    static final int ENDED_REMEMBERED = 1_024;

    private final WorkerConfig config;
    private final String id;
    private final ClusterPort port;
    private final TaskRun.Context context;
    private final WorkerMetrics metrics = new WorkerMetrics();
    /** The optional HTTP port ({@code metricsAddress}); null when off or not started yet. */
    private volatile MetricsEndpoint endpoint;

    private final ThreadPoolExecutor slotPool;
    private final ScheduledThreadPoolExecutor timer;
    private final Thread session;
    /**
     * Guards {@link #runs}, {@link #draining}, {@link #stopping}, {@link #registered}, {@link #wakeUp}, {@link
     * #gaveBackForWantOfSlot}.
     */
    private final Object monitor = new Object();

    private final Map<LeaseRef, TaskRun> runs = new LinkedHashMap<>();
    /**
     * Leases whose task ended here recently, oldest first, at most {@link #ENDED_REMEMBERED}: a coordinator that offers
     * one again (it re-offers leases it believes lost, and its state may lag the report that ended it) is ignored.
     */
    private final Set<LeaseRef> ended = new LinkedHashSet<>();

    private boolean draining;
    private boolean stopping;
    private boolean registered;
    private boolean wakeUp;
    /**
     * An offer was given back for want of a slot since a slot last freed: the cluster counts this worker full until a
     * heartbeat says otherwise, so the next slot to free is reported at once rather than at the next heartbeat.
     */
    private boolean gaveBackForWantOfSlot;
    /** A leader this worker cannot move to (its address is not configured); retried once another one leads. */
    private volatile String unreachableLeader;

    private volatile long heartbeatIntervalMs = DEFAULT_HEARTBEAT_MS;
    /** Whether a registration has ever succeeded: systemd readiness. */
    private volatile boolean everRegistered;
    /** When the session loop last began a pass (System.nanoTime): watchdog health. */
    private volatile long sessionPassNanos = System.nanoTime();

    Worker(WorkerConfig config, String id, ClusterPort port, ImagePipeline pipeline, LongSupplier clockMs) {
        this.config = config;
        this.id = id;
        this.port = port;
        this.context = new TaskRun.Context(
                port,
                new Blobs(port, config.requestTimeoutMs()),
                pipeline,
                clockMs,
                config.progressIntervalMs(),
                config.requestTimeoutMs(),
                metrics);
        this.slotPool = new ThreadPoolExecutor(
                config.slots(),
                config.slots(),
                0,
                TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(),
                threads("corral-slot"));
        this.timer = new ScheduledThreadPoolExecutor(1, threads("corral-task-timer"));
        this.timer.setRemoveOnCancelPolicy(true);
        this.session = threads("corral-worker-session").newThread(this::sessionLoop);
        port.onPush(this::onPush);
        port.onConnectionLost(this::connectionLost);
    }

    /**
     * Connects to the cluster described by a validated {@code config} (resolving the default id from the state
     * directory). Nothing is registered until {@link #start()}.
     */
    public static Worker connect(WorkerConfig config) throws IOException {
        String id = config.id() != null ? config.id() : WorkerIds.loadOrCreate(Path.of(config.stateDir()));
        ClientOptions options = ClientOptions.builder(config.coordinatorAddresses())
                .clientName("corral-worker/" + id)
                .requestTimeoutMs(config.requestTimeoutMs())
                .tls(WorkerSecurity.tls(config))
                .token(WorkerSecurity.token(config))
                .build();
        // Lazily: the session loop registers with backoff until a coordinator answers.
        CorralClient client = CorralClient.connectLazily(options);
        return new Worker(
                config,
                id,
                new ClientClusterPort(client),
                new ImagePipeline(config.pipeline().limits()),
                System::currentTimeMillis);
    }

    public String id() {
        return id;
    }

    /**
     * Starts the metrics endpoint when one is configured, then the session thread: register, then heartbeat.
     *
     * @throws UncheckedIOException when the metrics address cannot be bound
     */
    public void start() {
        if (config.metricsAddress() != null) {
            try {
                endpoint = MetricsEndpoint.start(config.metricsAddress(), this::metricsText, this::healthText);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot serve metrics on " + config.metricsAddress(), e);
            }
            log.info("metrics on http://{}/metrics", endpoint.boundAddress());
        }
        log.info(
                "worker {} starting: {} slots, capabilities {}, cluster {}",
                id,
                config.slots(),
                config.capabilities(),
                port.describe());
        session.start();
    }

    // ---- offers and revocations (client callback thread: admit or refuse, never block) ----

    private void onPush(Response push) {
        if (push instanceof Response.LeaseOffer offer) {
            admit(offer.grants());
        } else if (push instanceof Response.LeaseRevoked revoked) {
            abort(revoked.taskId(), revoked.token(), "lease revoked by the cluster (job cancelled)");
        }
    }

    void admit(List<LeaseGrant> grants) {
        List<LeaseRef> refused = new ArrayList<>();
        synchronized (monitor) {
            for (LeaseGrant g : grants) {
                LeaseRef lease = new LeaseRef(g.taskId(), g.token());
                if (runs.containsKey(lease) || ended.contains(lease)) {
                    log.debug("{} {}: offered again, already running or ended here; ignored", g.taskId(), g.token());
                    continue;
                }
                if (draining || stopping || runs.size() >= config.slots()) {
                    refused.add(lease);
                    gaveBackForWantOfSlot |= !draining && !stopping;
                    continue;
                }
                // A newer grant of a task this worker still runs means the older lease is stale.
                runs.values().stream()
                        .filter(r -> r.grant().taskId().equals(g.taskId()))
                        .forEach(r -> r.abort("superseded by token " + g.token()));
                TaskRun run = new TaskRun(g, context);
                runs.put(lease, run);
                // A job may bound its tasks itself (0: it did not); the error says whose bound it was.
                boolean jobTimeout = g.taskTimeoutMs() > 0;
                long timeoutMs = jobTimeout ? g.taskTimeoutMs() : config.taskTimeoutMs();
                String whose = jobTimeout ? "the job's task timeout" : "the worker's default task timeout";
                ScheduledFuture<?> timeout =
                        timer.schedule(() -> run.timeOut(timeoutMs, whose), timeoutMs, TimeUnit.MILLISECONDS);
                slotPool.execute(() -> {
                    try {
                        run.run();
                    } finally {
                        timeout.cancel(false);
                        ended(run);
                    }
                });
            }
        }
        if (!refused.isEmpty()) {
            log.info(
                    "giving back {} offered lease(s) ({}): {}",
                    refused.size(),
                    drainingNow() ? "draining" : "no free slot",
                    refused);
            releaseAsync(refused);
            wake(); // a heartbeat now corrects the coordinator's count of free slots
        }
    }

    private void ended(TaskRun run) {
        synchronized (monitor) {
            runs.remove(run.lease());
            ended.add(run.lease());
            if (ended.size() > ENDED_REMEMBERED) {
                ended.remove(ended.iterator().next());
            }
            if (gaveBackForWantOfSlot) {
                gaveBackForWantOfSlot = false;
                wakeUp = true;
            }
            monitor.notifyAll();
        }
    }

    void abort(String taskId, long token, String why) {
        TaskRun run;
        synchronized (monitor) {
            run = runs.get(new LeaseRef(taskId, token));
        }
        if (run == null || !run.abort(why)) {
            log.debug("{} {}: nothing to abort ({})", taskId, token, why);
        }
    }

    private void releaseAsync(List<LeaseRef> leases) {
        port.send(new Request.ReleaseLeases(id, leases)).whenComplete((answer, error) -> {
            if (error != null || answer instanceof Response.ErrorReply) {
                log.warn(
                        "release of {} failed ({}); those leases expire after their TTL",
                        leases,
                        error != null ? error.toString() : answer);
            }
        });
    }

    // ---- session: register, heartbeat ----

    private void sessionLoop() {
        int failures = 0;
        while (!stoppingNow()) {
            sessionPassNanos = System.nanoTime();
            try {
                if (!registeredNow()) {
                    if (registerOnce()) {
                        failures = 0;
                        if (!heldLeases().isEmpty()) {
                            // Registered again while running tasks (the coordinator went away or forgot this
                            // connection): the leases are reported now, not a heartbeat interval later, so the new
                            // coordinator has them extended through whoever leads before their extension runs out.
                            heartbeatOnce();
                        }
                    } else {
                        failures++;
                        pause(Calls.backoffMs(failures, REGISTER_BACKOFF_BASE_MS, REGISTER_BACKOFF_MAX_MS));
                    }
                    continue;
                }
                pause(heartbeatIntervalMs);
                // Not after a lost connection (registered no more): the loop registers again first.
                if (!stoppingNow() && registeredNow()) {
                    heartbeatOnce();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("session loop: unexpected failure; carrying on", e);
            }
        }
    }

    /** Registers with the current slots (0 while draining). Returns whether the cluster accepted it. */
    boolean registerOnce() throws InterruptedException {
        int slots = drainingNow() ? 0 : config.slots();
        Request.RegisterWorker request = new Request.RegisterWorker(id, slots, config.capabilities());
        try {
            Response answer = Calls.await(port, request, config.requestTimeoutMs());
            Response.WorkerRegistered ok = Calls.expect(request, answer, Response.WorkerRegistered.class);
            heartbeatIntervalMs = Math.max(10, ok.heartbeatIntervalMs());
            synchronized (monitor) {
                registered = true;
            }
            everRegistered = true;
            log.info(
                    "registered as {} with {} slots at {} (lease TTL {} ms, heartbeat every {} ms)",
                    id,
                    slots,
                    port.describe(),
                    ok.leaseTtlMs(),
                    ok.heartbeatIntervalMs());
            return true;
        } catch (CorralException e) {
            log.warn("registration as {} failed: {} {}", id, e.code(), e.getMessage());
            return false;
        }
    }

    /**
     * Sends the held leases and free slots. Stale leases are aborted. A "not registered" answer (the connection
     * moved to another coordinator) or a lost connection makes the session register again before the next one.
     */
    void heartbeatOnce() throws InterruptedException {
        List<LeaseRef> held = heldLeases();
        Request.Heartbeat request = new Request.Heartbeat(id, held, freeSlots());
        try {
            Response answer = Calls.await(port, request, config.requestTimeoutMs());
            if (answer instanceof Response.ErrorReply e && e.code() == ErrorCode.NOT_FOUND) {
                log.info(
                        "the cluster does not know this connection as worker {} ({}); registering again",
                        id,
                        e.message());
                unregistered();
                return;
            }
            Response.HeartbeatAck ack = Calls.expect(request, answer, Response.HeartbeatAck.class);
            for (StaleLease stale : ack.stale()) {
                abort(stale.taskId(), stale.token(), "heartbeat says the lease is stale: " + stale.reason());
            }
            if (config.followLeader()) {
                followLeader();
            }
        } catch (CorralException e) {
            log.warn("heartbeat failed ({} {}); reconnecting and registering again", e.code(), e.getMessage());
            unregistered();
        }
    }

    /**
     * While idle, moves the connection to the leader, where a new job's tasks are granted in the submission's own
     * entry (docs/protocol.md, "Dispatch"). Never while a task runs: moving drops requests in flight. A leader whose
     * address is not among the configured coordinators is not tried again until the leader changes.
     */
    void followLeader() throws InterruptedException {
        if (!idle()) {
            return;
        }
        try {
            Request.GetNodeStatus here = new Request.GetNodeStatus();
            MemberStatus member = Calls.expect(
                            here, Calls.await(port, here, config.requestTimeoutMs()), Response.NodeStatus.class)
                    .member();
            String leader = member.leaderId();
            if ("LEADER".equals(member.role()) || leader == null || leader.equals(unreachableLeader)) {
                return;
            }
            Request.GetClusterStatus all = new Request.GetClusterStatus();
            Response.ClusterStatus cluster =
                    Calls.expect(all, Calls.await(port, all, config.requestTimeoutMs()), Response.ClusterStatus.class);
            String address = cluster.members().stream()
                    .filter(m -> m.id().equals(leader) && m.rpcAddress() != null)
                    .map(MemberStatus::rpcAddress)
                    .findFirst()
                    .orElse(null);
            if (address == null || !idle()) {
                return;
            }
            if (!port.moveTo(address)) {
                log.info(
                        "the leader {} is at {}, which is not among the coordinators configured; staying at {}",
                        leader,
                        address,
                        port.describe());
                unreachableLeader = leader;
                return;
            }
            log.info("idle: moving to the leader {} at {}", leader, address);
            unregistered(); // the session loop registers on the new connection at once
        } catch (CorralException e) {
            log.debug("could not look for the leader: {} {}", e.code(), e.getMessage());
        }
    }

    private boolean idle() {
        synchronized (monitor) {
            return runs.isEmpty() && !draining && !stopping;
        }
    }

    /**
     * The coordinator's connection is gone (it stopped, crashed or became unreachable): register again at once on
     * the next one, rather than find out at the next heartbeat, up to an interval later.
     */
    private void connectionLost() {
        if (!stoppingNow() && registeredNow()) {
            log.info("the connection to the cluster was lost; registering again with the next coordinator");
            unregistered();
            wake();
        }
    }

    private void unregistered() {
        synchronized (monitor) {
            registered = false;
        }
    }

    /** Leases still this worker's to keep alive, in admission order. */
    List<LeaseRef> heldLeases() {
        synchronized (monitor) {
            return runs.values().stream()
                    .filter(TaskRun::held)
                    .map(TaskRun::lease)
                    .toList();
        }
    }

    int freeSlots() {
        synchronized (monitor) {
            return draining ? 0 : Math.max(0, config.slots() - runs.size());
        }
    }

    int busySlots() {
        synchronized (monitor) {
            return runs.size();
        }
    }

    // ---- what systemd is told ----

    /** Ready once registered with the cluster at least once; the status says where and how many slots are free. */
    public Readiness readiness() {
        boolean registeredNow;
        boolean drainingNow;
        int busy;
        synchronized (monitor) {
            registeredNow = registered;
            drainingNow = draining;
            busy = runs.size();
        }
        return WorkerReadiness.evaluate(
                id, everRegistered, registeredNow, drainingNow, port.describe(), busy, config.slots());
    }

    /** Whether the session loop is alive and passing (see {@link WorkerHealth}); not whether it is connected. */
    public Health health() {
        long sinceMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sessionPassNanos);
        long boundMs =
                WorkerHealth.stallBoundMs(config.requestTimeoutMs(), heartbeatIntervalMs, REGISTER_BACKOFF_MAX_MS);
        return WorkerHealth.evaluate(
                session.getState() != Thread.State.NEW, session.isAlive(), stoppingNow(), sinceMs, boundMs);
    }

    /**
     * The longest an orderly {@link #drain} with {@code graceMs} takes: the grace, the registration with 0 slots and
     * the release of unfinished leases (each a request; the release is retried up to {@link Calls#ATTEMPTS} times),
     * and the bounded stop of the threads. systemd's stop timeout is extended to it (EXTEND_TIMEOUT_USEC).
     */
    public long drainBoundMs(long graceMs) {
        return graceMs + (1 + Calls.ATTEMPTS) * config.requestTimeoutMs() + 2 * STOP_WAIT_MS;
    }

    // ---- drain and stop ----

    /**
     * Graceful drain: stop taking leases (register with 0 slots), let in-flight tasks finish for at most {@code
     * graceMs}, give back the leases of those still running, stop. Idempotent; later calls return at once.
     *
     * @return the leases given back
     */
    public List<LeaseRef> drain(long graceMs) throws InterruptedException {
        synchronized (monitor) {
            if (draining) {
                return List.of();
            }
            draining = true;
        }
        log.info("drain: taking no new leases; {} task(s) in flight, grace {} ms", busySlots(), graceMs);
        if (session.isAlive() && registeredNow()) {
            registerOnce(); // slots = 0: the coordinator stops offering
        }
        boolean finished = awaitIdle(graceMs);
        List<LeaseRef> released = new ArrayList<>();
        if (finished) {
            log.info("drain: every in-flight task finished");
        } else {
            synchronized (monitor) {
                for (TaskRun run : runs.values()) {
                    if (run.release()) {
                        released.add(run.lease());
                    }
                }
            }
            log.info("drain: grace over; releasing {} lease(s) still running: {}", released.size(), released);
            releaseNow(released);
        }
        stop();
        log.info("drain: done; worker {} stopped", id);
        return released;
    }

    private void releaseNow(List<LeaseRef> leases) throws InterruptedException {
        if (leases.isEmpty()) {
            return;
        }
        Request.ReleaseLeases request = new Request.ReleaseLeases(id, leases);
        try {
            Response answer = Calls.retrying(port, request, config.requestTimeoutMs());
            if (answer instanceof Response.LeasesReleased done) {
                log.info(
                        "drain: released {}; already stale {}",
                        done.released().size(),
                        done.stale().size());
            } else {
                log.warn("drain: release refused: {}; those leases expire after their TTL", answer);
            }
        } catch (CorralException e) {
            log.warn("drain: release failed ({}); those leases expire after their TTL", e.getMessage());
        }
    }

    /** Waits until no slot is busy, at most {@code timeoutMs}. */
    boolean awaitIdle(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (monitor) {
            while (!runs.isEmpty()) {
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (leftMs <= 0) {
                    return false;
                }
                monitor.wait(leftMs);
            }
            return true;
        }
    }

    // ---- metrics ----

    /** This worker's Prometheus text: its slots, its tasks, and the JVM. */
    String metricsText() {
        PrometheusText p = new PrometheusText();
        p.gauge("corral_worker_slots", "tasks this worker runs at once", config.slots());
        p.gauge("corral_worker_slots_busy", "slots running a task (until the task's thread returns)", busySlots());
        p.gauge("corral_worker_registered", "1 while registered with a coordinator", registeredNow() ? 1 : 0);
        metrics.write(p);
        JvmMetrics.shared().write(p);
        return p.toString();
    }

    private String healthText() {
        return "worker " + id + (registeredNow() ? " registered at " + port.describe() : " not registered");
    }

    /** Where the metrics endpoint listens, or null when it is off. */
    public InetSocketAddress metricsAddress() {
        MetricsEndpoint e = endpoint;
        return e == null ? null : e.boundAddress();
    }

    /** Stops the threads and closes the connection; leases still held expire after their TTL. */
    private void stop() throws InterruptedException {
        synchronized (monitor) {
            stopping = true;
            monitor.notifyAll();
        }
        session.interrupt();
        if (session.isAlive()) {
            session.join(STOP_WAIT_MS);
        }
        slotPool.shutdownNow();
        if (!slotPool.awaitTermination(STOP_WAIT_MS, TimeUnit.MILLISECONDS)) {
            log.warn("some task threads did not stop within {} ms", STOP_WAIT_MS);
        }
        timer.shutdownNow();
        port.close();
        if (endpoint != null) {
            endpoint.close();
        }
    }

    /** Drains with no grace: leases of running tasks are given back at once. */
    @Override
    public void close() {
        try {
            drain(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- helpers ----

    private void pause(long ms) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        synchronized (monitor) {
            while (!stopping && !wakeUp) {
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (leftMs <= 0) {
                    break;
                }
                monitor.wait(leftMs);
            }
            wakeUp = false;
        }
    }

    private void wake() {
        synchronized (monitor) {
            wakeUp = true;
            monitor.notifyAll();
        }
    }

    private boolean stoppingNow() {
        synchronized (monitor) {
            return stopping;
        }
    }

    private boolean drainingNow() {
        synchronized (monitor) {
            return draining;
        }
    }

    private boolean registeredNow() {
        synchronized (monitor) {
            return registered;
        }
    }

    private static ThreadFactory threads(String name) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory base = Executors.defaultThreadFactory();
        return r -> {
            Thread t = base.newThread(r);
            t.setName(name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
