package io.corral.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.HostPort;
import io.corral.client.ImageUpload;
import io.corral.coordinator.Coordinator;
import io.corral.coordinator.cluster.LocalCluster;
import io.corral.coordinator.state.Counters;
import io.corral.coordinator.state.jobs.TaskRecord;
import io.corral.coordinator.state.leases.TaskDetail;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobState;
import io.corral.protocol.JobView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The set-up shared by the fault tests on real worker processes: an in-JVM cluster of real coordinators ({@link
 * LocalCluster}), a client, and worker daemons started as separate JVMs from (a copy of) this JVM's class path, each
 * logging to {@code <dir>/<id>.log}, so that they can be paused, resumed and killed with real signals. Closing it
 * kills every worker still running, then closes the client and the cluster.
 */
final class WorkerProcesses implements AutoCloseable {
    /** Polling the leader's state is a RocksDB read: cheap, but no need to spin on a 2-core machine. */
    private static final Duration POLL = Duration.ofMillis(100);
    /** Lines of each worker's log quoted when a wait times out. */
    private static final int LOG_TAIL_LINES = 40;
    /** Largest image this fixture uploads; the coordinator's own limit is the one that matters. */
    private static final long MAX_UPLOAD_BYTES = 50L << 20;

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Path dir;
    private final LocalCluster cluster;
    private final CorralClient client;
    private final String workerClassPath;
    private final Map<String, Process> workers = new LinkedHashMap<>();

    private WorkerProcesses(Path dir, LocalCluster cluster, CorralClient client, String workerClassPath) {
        this.dir = dir;
        this.cluster = cluster;
        this.client = client;
        this.workerClassPath = workerClassPath;
    }

    /**
     * Short leases and retry backoffs, so that expiries happen within a test: a 2 s lease TTL, backoff from 100 ms
     * capped at 500 ms; fast elections as in {@link LocalCluster#testSettings()}.
     */
    static Map<String, String> shortLeaseSettings() {
        Map<String, String> s = LocalCluster.testSettings();
        s.put("workers.leaseTtlMs", "2000");
        s.put("workers.retryBackoffBaseMs", "100");
        s.put("workers.retryBackoffCapMs", "500");
        return s;
    }

    /** Starts {@code coordinators} members under {@code dir}/c and connects a client to them; no worker yet. */
    static WorkerProcesses start(Path dir, int coordinators, Map<String, String> settings) throws IOException {
        String classPath = snapshotClassPath(dir.resolve("classpath"));
        LocalCluster cluster = LocalCluster.start(dir.resolve("c"), coordinators, settings);
        try {
            CorralClient client = CorralClient.connect(ClientOptions.builder(HostPort.parseList(cluster.rpcAddresses()))
                    .build());
            return new WorkerProcesses(dir, cluster, client, classPath);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * This JVM's class path with its directories (the modules' {@code target/classes}) copied under {@code into}.
     * Workers load classes lazily, long after they start; a build running meanwhile on the same tree (an IDE, another
     * {@code mvn}) empties and refills those directories, and a worker then dies of {@code NoClassDefFoundError}
     * mid-task. Jars do not change under a running build, so they are used where they are.
     */
    private static String snapshotClassPath(Path into) throws IOException {
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.isDirectory(source)) {
                entries.add(entry);
                continue;
            }
            Path copy = into.resolve(Integer.toString(n++));
            try (Stream<Path> files = Files.walk(source)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Path target = copy.resolve(source.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(f, target);
                    }
                }
            }
            entries.add(copy.toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    CorralClient client() {
        return client;
    }

    // ---- worker processes ----

    /**
     * Tests catch a task mid-way by its first progress report, due this long after the task starts: well within the
     * few tens of milliseconds a chaos task's pipeline takes, so a poll sees running tasks, not only finished ones.
     */
    static final long PROGRESS_INTERVAL_MS = 20;

    /**
     * Starts {@code corral-worker} as its own JVM with id {@code id} and {@code slots} slots; {@code extraArgs} are
     * appended to its command line (flags such as {@code --set key=value}).
     */
    synchronized Process startWorker(String id, int slots, String... extraArgs) throws IOException {
        return startWorker(id, slots, Map.of(), extraArgs);
    }

    /** {@link #startWorker(String, int, String...)} with {@code env} added to the worker's environment. */
    synchronized Process startWorker(String id, int slots, Map<String, String> env, String... extraArgs)
            throws IOException {
        if (workers.containsKey(id) && workers.get(id).isAlive()) {
            throw new IllegalStateException("worker " + id + " is already running");
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                workerClassPath,
                "io.corral.worker.Main",
                "--coordinators",
                cluster.rpcAddresses(),
                "--id",
                id,
                "--slots",
                Integer.toString(slots),
                "--state-dir",
                dir.resolve(id).toString(),
                // Tests watch for a task that has started by its first progress report, due this long after its start.
                "--set",
                "progressIntervalMs=" + PROGRESS_INTERVAL_MS));
        command.addAll(List.of(extraArgs));
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log(id).toFile());
        builder.environment().putAll(env);
        Process p = builder.start();
        workers.put(id, p);
        return p;
    }

    synchronized Process worker(String id) {
        Process p = workers.get(id);
        if (p == null) {
            throw new IllegalArgumentException("no worker " + id + " was started");
        }
        return p;
    }

    Path log(String id) {
        return dir.resolve(id + ".log");
    }

    String logOf(String id) {
        try {
            return Files.exists(log(id)) ? Files.readString(log(id)) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL: the worker gets no chance to release, report or close its connection cleanly. */
    void kill(String id) throws InterruptedException {
        Process p = worker(id);
        p.toHandle().destroyForcibly();
        assertThat(p.waitFor(30, TimeUnit.SECONDS))
                .as("worker %s died after SIGKILL", id)
                .isTrue();
    }

    /** SIGSTOP: every thread of the worker stops at once, its heartbeats too; its sockets stay open. */
    void pause(String id) throws Exception {
        signal(worker(id), "STOP");
    }

    /** SIGCONT after {@link #pause}. */
    void resume(String id) throws Exception {
        signal(worker(id), "CONT");
    }

    /** SIGTERM: the worker drains. */
    void terminate(String id) throws Exception {
        signal(worker(id), "TERM");
    }

    static void signal(Process p, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
        assertThat(kill.waitFor()).as("kill -%s %d", signal, p.pid()).isZero();
    }

    // ---- coordinators ----

    /** Stops the current leader (the harness keeps the other members running) and returns its id. */
    String stopLeader() {
        String leader = cluster.awaitLeader();
        cluster.stopMember(leader);
        return leader;
    }

    /**
     * The running member that is leader now, else the one {@link LocalCluster#leader()} waits for. Asked directly
     * first because that wait polls with a delay, which adds up over hundreds of reads.
     */
    Coordinator leader() {
        for (Coordinator c : cluster.running()) {
            if (c.raft().isLeader()) {
                return c;
            }
        }
        return cluster.leader();
    }

    /** The task as the current leader has applied it, with its attempt history. */
    TaskDetail detail(String taskId) {
        Coordinator leader = leader();
        return leader.stateMachine()
                .core()
                .taskDetail(leader.stateMachine().store().view(), taskId);
    }

    boolean leasedTo(String taskId, String workerId) {
        TaskRecord t = detail(taskId).task();
        return t.lease() != null && t.lease().workerId().equals(workerId);
    }

    /** The tasks leased to {@code workerId} in the current leader's state. */
    List<TaskRecord> leasesOf(String workerId) {
        Coordinator leader = leader();
        return leader.stateMachine()
                .core()
                .leasesOf(leader.stateMachine().store().view(), workerId);
    }

    /** The replicated totals and gauges, as the current leader has applied them. */
    Counters counters() {
        Coordinator leader = leader();
        return leader.stateMachine()
                .core()
                .counters(leader.stateMachine().store().view());
    }

    /**
     * {@code corral_rpc_errors_total} for one request type and error code, summed over the running members' {@code
     * /metrics}. Each member counts the requests it answered, in memory: a stopped member's count is gone.
     */
    long rpcErrors(String requestType, String code) throws IOException, InterruptedException {
        String sample = "corral_rpc_errors_total{type=\"" + requestType + "\",code=\"" + code + "\"} ";
        long total = 0;
        for (Coordinator c : cluster.running()) {
            InetSocketAddress http = c.httpAddress();
            HttpResponse<String> metrics = HTTP.send(
                    HttpRequest.newBuilder(
                                    URI.create("http://" + http.getHostString() + ":" + http.getPort() + "/metrics"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode())
                    .as("GET /metrics of %s", c.config().nodeId())
                    .isEqualTo(200);
            for (String line : metrics.body().lines().toList()) {
                if (line.startsWith(sample)) {
                    total += Long.parseLong(line.substring(sample.length()).strip());
                }
            }
        }
        return total;
    }

    // ---- images and jobs ----

    /** Writes {@code bytes} to {@code <dir>/in/<name>} and uploads it. */
    ImageRef upload(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve("in").resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        return ImageUpload.upload(client, file, MAX_UPLOAD_BYTES);
    }

    String submit(List<ImageRef> images, List<String> operations, int maxAttempts, String idempotencyKey) {
        return client.call(
                        new Request.SubmitJob(images, operations, 0, maxAttempts, Map.of(), idempotencyKey),
                        Response.JobSubmitted.class)
                .jobId();
    }

    JobView job(String jobId) {
        return client.call(new Request.GetJob(jobId, false), Response.JobDetail.class)
                .job();
    }

    JobState state(String jobId) {
        return job(jobId).state();
    }

    // ---- waiting ----

    /**
     * Awaits {@code condition}, polling every 100 ms; on timeout fails with {@code what} and the tail of every
     * worker's log, which is what tells a slow machine from a stuck worker.
     */
    void awaitUntil(String what, Duration atMost, Callable<Boolean> condition) {
        try {
            await(what).atMost(atMost).pollInterval(POLL).until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + ": not within " + atMost + "\n" + logTails(), e);
        }
    }

    String logTails() {
        StringBuilder sb = new StringBuilder();
        for (String id : List.copyOf(workers.keySet())) {
            List<String> lines = logOf(id).lines().toList();
            sb.append("---- ")
                    .append(id)
                    .append(".log (last ")
                    .append(LOG_TAIL_LINES)
                    .append(" lines) ----\n");
            lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())
                    .forEach(l -> sb.append(l).append('\n'));
        }
        return sb.toString();
    }

    @Override
    public void close() {
        synchronized (this) {
            // SIGKILL ends a stopped (SIGSTOP) process too.
            workers.values().forEach(p -> p.toHandle().destroyForcibly());
            for (Process p : workers.values()) {
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        try {
            client.close();
        } finally {
            cluster.close();
        }
    }
}
