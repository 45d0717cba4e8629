package io.corral.jepsen.run;

import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.HostPort;
import io.corral.jepsen.checker.Availability;
import io.corral.jepsen.checker.AvailabilityChecker;
import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.checker.FaultPeriod;
import io.corral.jepsen.checker.FencedRegister;
import io.corral.jepsen.checker.FinalJob;
import io.corral.jepsen.checker.Validity;
import io.corral.jepsen.cluster.ClusterSpec;
import io.corral.jepsen.cluster.ClusterTokens;
import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.Node;
import io.corral.jepsen.history.History;
import io.corral.jepsen.nemesis.Leaders;
import io.corral.jepsen.nemesis.Nemeses;
import io.corral.jepsen.nemesis.NemesisSchedule;
import io.corral.jepsen.report.Reports;
import io.corral.jepsen.workload.ClientProcess;
import io.corral.jepsen.workload.LockWorkload;
import io.corral.jepsen.workload.MemberProbe;
import io.corral.jepsen.workload.QueueWorkload;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run: a cluster in containers, concurrent clients recording a history, the nemesis schedule, then heal, settle,
 * final reads, the checkers and the report. The run never decides validity by itself: the checkers do.
 */
public final class Runner {
    private static final Logger log = LoggerFactory.getLogger(Runner.class);

    /** Coordinator settings of every run: short leases and backoffs so that faults show within seconds. */
    /**
     * Short leases and backoffs, so faults show within a run. The per-address limit on connections without a Hello is
     * lifted: the hostile-client nemesis attacks from the harness's own address, which its real clients and probes
     * share, and would be refused with it, where a real attacker is another host (the limit itself is tested in
     * RpcServerHostileClientsTest). The nemesis tests what the other limits hold on their own.
     */
    static final Map<String, String> COORDINATOR_SETTINGS = Map.of(
            "workers.leaseTtlMs", "3000",
            "workers.retryBackoffBaseMs", "200",
            "workers.retryBackoffCapMs", "2000",
            "limits.maxPreAuthConnectionsPerAddress", "1000000");

    /**
     * Deliberate faults that ownership would hide, so their runs are made without tokens. With tokens a worker reads
     * only the inputs of leases it holds: a worker whose lease lapsed before it fetched its input cannot run the task,
     * so it never reports with the stale token that {@code accept-stale-tokens} would accept (found when the harness
     * turned tokens on: the fault went unseen). The checkers are what these runs test, not ownership.
     */
    static final Set<String> FAULTS_HIDDEN_BY_TOKENS = Set.of("accept-stale-tokens");

    static final String JAVA_OPTIONS = "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";
    static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(120);
    /** Client think time between operations, so that two cores are not saturated by the clients alone. */
    static final long THINK_MIN_MS = 50;

    static final long THINK_MAX_MS = 250;
    /**
     * After the final heal the clients write for the recovery bound and this much more: a quiet spell at the end, in
     * which every write should be answered.
     */
    static final long QUIET_TAIL_MS = 5_000;

    static final long LOCK_TTL_MS = 2_000;
    static final long LOCK_MAX_HOLD_MS = 300;
    static final int LOCKS = 3;

    private Runner() {}

    public static RunResult run(RunSpec spec) throws InterruptedException {
        Path dir = spec.out()
                .resolve(spec.name())
                .resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        mkdirs(dir);
        write(dir.resolve("seed"), Long.toString(spec.seed()) + System.lineSeparator());
        Random random = new Random(spec.seed());
        String runId = Long.toHexString(spec.seed()) + "-" + Long.toHexString(System.currentTimeMillis());
        ClusterSpec cs = new ClusterSpec(
                spec.coordinators(),
                spec.workers(),
                2,
                spec.image(),
                spec.distribution(),
                dir.resolve("logs"),
                coordinatorSettings(spec),
                JAVA_OPTIONS);
        // What the selected nemeses need prepared: spare coordinators, a size-limited disk, a movable clock.
        cs = cs.with(Nemeses.support(spec.nemeses()));
        if (spec.testFaults().stream().anyMatch(FAULTS_HIDDEN_BY_TOKENS::contains)) {
            cs = cs.withoutTokens();
        }
        log.info(
                "run {} (seed {}): {} with nemeses [{}] for {} s, tokens {}; results in {}",
                spec.name(),
                spec.seed(),
                spec.workload(),
                spec.nemeses(),
                spec.seconds(),
                cs.tokens() ? "on" : "off",
                dir);
        History history = null;
        try (ContainerCluster cluster = ContainerCluster.start(cs);
                CorralClient admin =
                        connect(cluster.rpcAddresses(), cluster.tokens().admin(), READY_TIMEOUT)) {
            awaitReady(admin, spec, READY_TIMEOUT);
            history = new History(); // time 0 of the plots: the cluster is up, the clients start
            Workloads w = new Workloads(
                    spec.queue() ? new QueueWorkload(dir.resolve("images"), runId) : null,
                    spec.lock() ? new LockWorkload(LOCKS, LOCK_TTL_MS, LOCK_MAX_HOLD_MS, new FencedRegister()) : null);
            NemesisSchedule schedule = new NemesisSchedule(
                    cluster,
                    new Leaders(admin),
                    Nemeses.parse(spec.nemeses()),
                    new Random(random.nextLong()),
                    history,
                    timing(spec));
            long finalHealNanos = drive(spec, cluster, schedule, history, random, w);
            history.close();
            log.info(
                    "fault and recovery phases over: {} history entries; settling",
                    history.ops().size());
            return check(spec, dir, admin, cluster, history, schedule, finalHealNanos, w);
        } finally {
            if (history != null && !Files.exists(dir.resolve("history.jsonl"))) {
                history.write(dir.resolve("history.jsonl"));
            }
        }
    }

    /** The run's workloads; either may be null. */
    private record Workloads(QueueWorkload queue, LockWorkload lock) {}

    /**
     * Quiet spells last up to the recovery bound and {@link #QUIET_TAIL_MS} more, so that many heals get a whole
     * recovery window before the next fault (with the standard 3–8 s none would, and the availability checker judges a
     * heal cut short by the next fault only at a later one) and leave some quiet time after it.
     */
    static NemesisSchedule.Timing timing(RunSpec spec) {
        NemesisSchedule.Timing s = NemesisSchedule.Timing.standard();
        long quietMaxMs = Math.max(s.quietMaxMs(), spec.recoveryBoundMs() + QUIET_TAIL_MS);
        return new NemesisSchedule.Timing(s.quietMinMs(), quietMaxMs, s.faultMinMs(), s.faultMaxMs());
    }

    /**
     * The fault phase, then the recovery phase: the clients (and one {@link MemberProbe} per coordinator) write while
     * the nemesis injects faults for {@code spec.seconds()}; the nemesis then heals everything, and the clients go on
     * for the recovery bound and {@link #QUIET_TAIL_MS} more, so that the availability checker sees whether every
     * client came back after the final heal, and a quiet spell after it. Without a nemesis the clients stop with the
     * fault phase: nothing needs to come back.
     *
     * @return when everything was healed (history time), or -1 when the run injects no fault
     */
    private static long drive(
            RunSpec spec,
            ContainerCluster cluster,
            NemesisSchedule schedule,
            History history,
            Random random,
            Workloads w)
            throws InterruptedException {
        long end = history.now() + TimeUnit.SECONDS.toNanos(spec.seconds());
        boolean faults = !Nemeses.parse(spec.nemeses()).isEmpty();
        long tailMs = spec.recoveryBoundMs() + QUIET_TAIL_MS;
        AtomicLong clientsEnd = new AtomicLong(faults ? Long.MAX_VALUE : end);
        AtomicLong finalHeal = new AtomicLong(-1);
        // A thread per client, per probe (every coordinator container, spares too) and for the nemesis.
        ExecutorService threads = Executors.newFixedThreadPool(
                spec.clients() + cluster.allCoordinators().size() + 1);
        List<Future<?>> running = new ArrayList<>();
        startClients(spec, cluster, history, random, w, clientsEnd::get, threads, running);
        startProbes(cluster, history, clientsEnd::get, threads, running);
        Future<?> nemesis = threads.submit(() -> {
            try {
                schedule.run(end);
            } finally {
                if (faults) {
                    schedule.healAll();
                    finalHeal.set(history.now());
                    clientsEnd.set(finalHeal.get() + TimeUnit.MILLISECONDS.toNanos(tailMs));
                    log.info("final heal done; the clients go on for {} ms", tailMs);
                }
            }
            return null;
        });
        awaitAll(running, nemesis, spec.seconds() + (int) TimeUnit.MILLISECONDS.toSeconds(tailMs));
        threads.shutdownNow();
        threads.awaitTermination(30, TimeUnit.SECONDS);
        if (finalHeal.get() < 0) {
            schedule.healAll(); // no nemesis, or its thread never got to heal
        }
        return finalHeal.get();
    }

    private static void startClients(
            RunSpec spec,
            ContainerCluster cluster,
            History history,
            Random random,
            Workloads w,
            LongSupplier endNanos,
            ExecutorService threads,
            List<Future<?>> running) {
        for (int t = 0; t < spec.clients(); t++) {
            boolean useQueue = w.queue() != null && (w.lock() == null || t % 2 == 0);
            Random r = new Random(random.nextLong());
            int thread = t;
            running.add(threads.submit(() -> {
                clientLoop(
                        cluster,
                        thread,
                        spec.clients(),
                        r,
                        history,
                        endNanos,
                        useQueue ? w.queue() : null,
                        useQueue ? null : w.lock());
                return null;
            }));
        }
    }

    private static void startProbes(
            ContainerCluster cluster,
            History history,
            LongSupplier endNanos,
            ExecutorService threads,
            List<Future<?>> running) {
        // Every coordinator container, spares too: a probe writes only while its coordinator is a member.
        List<Node> coordinators = cluster.allCoordinators();
        for (int i = 0; i < coordinators.size(); i++) {
            Node member = coordinators.get(i);
            MemberProbe probe = new MemberProbe(member.name(), i);
            String address = member.ip() + ":" + ClusterSpec.RPC_PORT;
            running.add(threads.submit(() -> {
                // Lazily: a spare has no process to connect to until it is added.
                try (CorralClient client = CorralClient.connectLazily(ClientOptions.builder(HostPort.parseList(address))
                        .clientName("corral-jepsen")
                        .token(cluster.tokens().probe())
                        .requestTimeoutMs(5_000)
                        .build())) {
                    probe.run(client, history, endNanos, () -> cluster.isMember(member));
                }
                return null;
            }));
        }
    }

    /** Settle, final reads, every checker, the report. */
    private static RunResult check(
            RunSpec spec,
            Path dir,
            CorralClient admin,
            ContainerCluster cluster,
            History history,
            NemesisSchedule schedule,
            long finalHealNanos,
            Workloads w)
            throws InterruptedException {
        List<NemesisSchedule.Period> faults = schedule.periods();
        List<CheckResult> results = new ArrayList<>();
        awaitReady(admin, spec, READY_TIMEOUT);
        CheckResult recovery = awaitRecovered(admin, SETTLE_TIMEOUT);
        results.add(recovery);
        dumpThreadsOfStuckMembers(cluster, recovery);
        List<FinalJob> jobs = null;
        if (w.queue() != null) {
            // A member that never caught up would hold linearizable reads sent to it: read from the leader.
            try (CorralClient leader =
                    connect(leaderAddress(admin, cluster), cluster.tokens().admin(), READY_TIMEOUT)) {
                jobs = w.queue().settle(leader, SETTLE_TIMEOUT);
            }
            results.addAll(w.queue().check(history, jobs));
        }
        if (w.lock() != null) {
            results.addAll(w.lock().check(history));
        }
        results.addAll(schedule.checks()); // the membership, clock and disk nemeses' own checks
        Availability availability = new AvailabilityChecker(
                        spec.recoveryBoundMs(), spec.quietSuccessMin(), spec.clients())
                .check(history, faultPeriods(faults), finalHealNanos, jobs);
        results.add(availability.result());
        CheckResult verdict = CheckResult.combine(spec.name(), results);
        history.write(dir.resolve("history.jsonl"));
        RunResult result = new RunResult(spec, dir, verdict, faults, history, availability);
        Reports.write(result);
        log.info("run {}: {}; report in {}", spec.name(), verdict.validity(), dir);
        if (verdict.validity() != Validity.VALID) {
            log.warn("run {}: what failed:\n{}", spec.name(), verdict.failures());
        }
        return result;
    }

    static List<FaultPeriod> faultPeriods(List<NemesisSchedule.Period> periods) {
        return periods.stream()
                .map(p -> new FaultPeriod(p.kind(), p.startNanos(), p.endNanos()))
                .toList();
    }

    static Map<String, String> coordinatorSettings(RunSpec spec) {
        Map<String, String> s = new LinkedHashMap<>(COORDINATOR_SETTINGS);
        if (!spec.testFaults().isEmpty()) {
            s.put("testing.faults", "[" + String.join(",", spec.testFaults()) + "]");
        }
        return s;
    }

    private static void clientLoop(
            ContainerCluster cluster,
            int thread,
            int threads,
            Random random,
            History history,
            LongSupplier endNanos,
            QueueWorkload queue,
            LockWorkload lock)
            throws InterruptedException {
        try (CorralClient client =
                connect(cluster.rpcAddresses(), cluster.tokens().submitter(thread), READY_TIMEOUT)) {
            spread(client, cluster.rpcAddresses(), thread);
            ClientProcess p = new ClientProcess(
                    thread, threads, client, random, cluster.spec().tokens() ? ClusterTokens.tenantOf(thread) : null);
            while (history.now() < endNanos.getAsLong()
                    && !Thread.currentThread().isInterrupted()) {
                if (queue != null) {
                    queue.operate(p, history);
                } else {
                    lock.operate(p, history);
                }
                Thread.sleep(THINK_MIN_MS + random.nextLong(THINK_MAX_MS - THINK_MIN_MS + 1));
            }
        }
    }

    /**
     * Client thread {@code t} starts on coordinator {@code t mod n} instead of the library's random pick, so that
     * every member serves a client from the start: a member that cannot write shows in its clients' histories, which
     * is all the availability checker sees. A client still moves on when its connection is lost, as any client does.
     */
    static void spread(CorralClient client, String addresses, int thread) {
        List<HostPort> coordinators = HostPort.parseList(addresses);
        client.reconnectTo(coordinators.get(thread % coordinators.size()));
    }

    private static void awaitAll(List<Future<?>> clients, Future<?> nemesis, int seconds) throws InterruptedException {
        long grace = TimeUnit.SECONDS.toMillis(seconds) + 60_000;
        long deadline = System.currentTimeMillis() + grace;
        List<Future<?>> all = new ArrayList<>(clients);
        all.add(nemesis);
        for (Future<?> f : all) {
            try {
                f.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                log.error("a client or the nemesis failed", e.getCause());
            } catch (java.util.concurrent.TimeoutException e) {
                log.warn("a client or the nemesis did not stop in time; interrupting it");
                f.cancel(true);
            }
        }
    }

    /**
     * A member that did not catch up is stuck somewhere: its JVM prints all its threads' stacks into its log (which the
     * report keeps), so the next reader sees where.
     */
    static void dumpThreadsOfStuckMembers(ContainerCluster cluster, CheckResult recovery) {
        for (Map<String, Object> stuck : recovery.examplesOf("member-not-caught-up")) {
            String member = String.valueOf(stuck.get("member"));
            try {
                cluster.node(member).threadDump();
                log.warn("recovery: {} did not catch up; its threads are dumped into logs/{}.log", member, member);
            } catch (RuntimeException e) {
                log.warn("recovery: could not dump the threads of {}: {}", member, e.toString());
            }
        }
    }

    /**
     * "Survives any partition once healed": after the heal every member must apply what the leader has committed.
     * INVALID, with every member's indexes, when one has not within {@code timeout} (the run goes on to its other
     * checks instead of waiting forever on it).
     */
    static CheckResult awaitRecovered(CorralClient admin, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<MemberStatus> last = List.of();
        while (System.nanoTime() < deadline) {
            try {
                last = admin.call(new Request.GetClusterStatus(), Response.ClusterStatus.class)
                        .members();
                long commit = last.stream()
                        .filter(m -> "LEADER".equals(m.role()))
                        .mapToLong(MemberStatus::commitIndex)
                        .max()
                        .orElse(-1);
                if (commit >= 0 && last.stream().allMatch(m -> m.reachable() && m.appliedIndex() >= commit)) {
                    return CheckResult.builder("recovery")
                            .count("members", last.size())
                            .build();
                }
            } catch (RuntimeException e) {
                // Not answering yet: try again until the deadline.
            }
            Thread.sleep(500);
        }
        CheckResult.Builder b = CheckResult.builder("recovery").count("members", last.size());
        long commit = last.stream().mapToLong(MemberStatus::commitIndex).max().orElse(0);
        if (last.isEmpty()) {
            b.anomaly("no-cluster-status", map("waitedSeconds", timeout.toSeconds()));
        }
        for (MemberStatus m : last) {
            if (m.reachable() && m.appliedIndex() >= commit) {
                continue;
            }
            b.anomaly(
                    "member-not-caught-up",
                    map(
                            "member", m.id(),
                            "role", m.role(),
                            "reachable", m.reachable(),
                            "commitIndex", m.commitIndex(),
                            "appliedIndex", m.appliedIndex(),
                            "waitedSeconds", timeout.toSeconds()));
        }
        return b.build();
    }

    /** The current leader's client address, or every coordinator's when none is known. */
    static String leaderAddress(CorralClient admin, ContainerCluster cluster) {
        try {
            Response.ClusterStatus s = admin.call(new Request.GetClusterStatus(), Response.ClusterStatus.class);
            for (MemberStatus m : s.members()) {
                if ("LEADER".equals(m.role()) && m.reachable()) {
                    return m.rpcAddress();
                }
            }
        } catch (RuntimeException e) {
            // Fall back to all of them.
        }
        return cluster.rpcAddresses();
    }

    /** A client of {@code addresses} with {@code token}, once some coordinator accepts connections. */
    static CorralClient connect(String addresses, String token, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                return CorralClient.connect(ClientOptions.builder(HostPort.parseList(addresses))
                        .clientName("corral-jepsen")
                        .token(token)
                        .requestTimeoutMs(5_000)
                        .build());
            } catch (RuntimeException e) {
                last = e;
                Thread.sleep(500);
            }
        }
        throw new IllegalStateException(
                "no coordinator of " + addresses + " accepted a connection within " + timeout, last);
    }

    /** Every coordinator reachable and agreeing on a leader, and (for the queue) every worker registered. */
    static void awaitReady(CorralClient admin, RunSpec spec, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String why = "not asked yet";
        while (System.nanoTime() < deadline) {
            try {
                Response.ClusterStatus s = admin.call(new Request.GetClusterStatus(), Response.ClusterStatus.class);
                long leaders = s.members().stream()
                        .filter(m -> "LEADER".equals(m.role()))
                        .count();
                boolean allUp = s.members().stream().allMatch(MemberStatus::reachable);
                int workers = spec.queue()
                        ? admin.call(new Request.ListWorkers(), Response.WorkerList.class)
                                .workers()
                                .size()
                        : spec.workers();
                if (leaders == 1 && allUp && workers >= spec.workers()) {
                    return;
                }
                why = leaders + " leader(s), all members reachable: " + allUp + ", workers " + workers + "/"
                        + spec.workers();
            } catch (RuntimeException e) {
                why = e.toString();
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the cluster was not ready within " + timeout + ": " + why);
    }

    static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
