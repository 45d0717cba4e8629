package io.corral.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.client.HostPort;
import io.corral.metrics.LatencySummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One workload against one running system, printing its figures: throughput, latency percentiles and the servers'
 * CPU per job. {@code scripts/bench-queue.sh} starts each system fresh and runs every workload against each in turn,
 * so that the three are compared in one window (docs/benchmarks.md, "Queue").
 */
@Command(
        name = "bench-queue",
        mixinStandardHelpOptions = true,
        description = "Runs one queue workload against Corral, etcd or a RabbitMQ quorum queue.")
public final class QueueBench implements Callable<Integer> {
    enum Workload {
        /** Clients submit and wait for each acknowledgement. */
        submit,
        /** Workers claim and complete from a backlog filled first. */
        claim,
        /** Idle workers; jobs submitted at a fixed rate; the time from submit to the worker holding the job. */
        latency,
        /** Fills the queue with {@code --tasks} pending tasks as fast as the clients can (a deep queue's backlog). */
        fill
    }

    @Option(names = "--system", required = true, description = "corral, etcd or rabbitmq")
    String system;

    @Option(names = "--endpoints", required = true, description = "host:port,... of the system's members")
    String endpoints;

    @Option(names = "--workload", required = true, description = "submit, claim, latency or fill")
    Workload workload;

    @Option(names = "--clients", defaultValue = "1", description = "submit: concurrent submitters (default 1)")
    int clients;

    @Option(
            names = "--per-request",
            defaultValue = "1",
            description = "submit: jobs per request, 1 to 100 (a 100-image Corral job, 100 publishes per confirm,"
                    + " a transaction of 100 puts)")
    int perRequest;

    @Option(names = "--workers", defaultValue = "4", description = "claim, latency: workers (default 4)")
    int workers;

    @Option(names = "--slots", defaultValue = "1", description = "claim, latency: slots (prefetch) per worker")
    int slots;

    @Option(
            names = "--backlog",
            defaultValue = "500000",
            description = "claim: jobs waiting before the workers start, submitted "
                    + BACKLOG_JOBS_PER_REQUEST
                    + " per request (a multiple of it; default 500000: warm-up and measured seconds of the fastest"
                    + " system must not empty it; 0: none, the queue already holds the work)")
    int backlog;

    @Option(
            names = "--tasks",
            defaultValue = "1000000",
            description = "fill: pending tasks to add, --per-request per request, by --clients clients")
    long tasks;

    @Option(names = "--rate", defaultValue = "20", description = "latency: jobs per second")
    int rate;

    @Option(names = "--warmup", defaultValue = "10", description = "seconds run first, not measured (default 10)")
    int warmupSeconds;

    @Option(
            names = "--warmup-max",
            defaultValue = "0",
            description = "after --warmup, go on warming while the servers' JIT compiler threads still take more than"
                    + " 5 % of their CPU, up to this many seconds in all (default 0: --warmup only)")
    int warmupMaxSeconds;

    @Option(names = "--seconds", defaultValue = "20", description = "seconds measured (default 20)")
    int seconds;

    @Option(names = "--pids", split = ",", description = "the servers' process ids, whose CPU is summed")
    List<Long> pids = new ArrayList<>();

    @Option(names = "--threads", description = "also print the servers' CPU per thread pool")
    boolean threads;

    @Option(names = "--token-file", description = "corral: the submitters' token")
    Path tokenFile;

    @Option(names = "--worker-token-file", description = "corral: the workers' token (default: --token-file)")
    Path workerTokenFile;

    @Option(
            names = "--follow-leader",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "corral: clients and workers move to the leader after connecting, as corral-worker does by"
                    + " default (ClientOptions.followLeader); --no-follow-leader keeps each where it connected first")
    boolean followLeader;

    @Option(names = "--worker-id-prefix", defaultValue = "bench", description = "corral: worker ids are PREFIX.wN")
    String workerIdPrefix;

    @Option(names = "--json", description = "append the result as a JSON line to this file too")
    Path json;

    @Option(names = "--label", description = "the row this run belongs to in the report (default: the workload)")
    String label;

    @Option(
            names = "--variant",
            description = "which build of the system ran, for scripts/bench-compare.sh's report (base, head)")
    String variant;

    /**
     * Jobs per request of the claim workload's backlog, so that a backlog large enough for the fastest system's
     * warm-up and measured seconds fills in seconds (Corral: a job of this many images, a task each; etcd: a
     * transaction of this many puts; RabbitMQ: a confirm per this many messages).
     */
    static final int BACKLOG_JOBS_PER_REQUEST = 100;
    /** Submitters used to fill the claim workload's backlog. */
    static final int BACKLOG_SUBMITTERS = 16;
    /** A fill reports its progress every this many requests. */
    static final long PROGRESS_EVERY_REQUESTS = 10_000;
    /** latency: how long a warm-up job may wait for a worker before the run fails. */
    static final long WARM_CLAIM_BOUND_NS = TimeUnit.SECONDS.toNanos(10);

    /** With {@code --warmup-max}: how often the warm-up checks whether the servers' JIT compilers are done. */
    static final long WARM_CHECK_NS = TimeUnit.SECONDS.toNanos(5);

    public static void main(String[] args) {
        System.exit(new CommandLine(new QueueBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        validate();
        List<String> members =
                Arrays.stream(endpoints.split(",")).map(String::trim).toList();
        try (QueueSystem q = open(members)) {
            q.prepare();
            Map<String, Object> result =
                    switch (workload) {
                        case submit -> submit(q);
                        case claim -> claim(q);
                        case latency -> latency(q);
                        case fill -> fillOnly(q);
                    };
            String line = new ObjectMapper().writeValueAsString(result);
            System.out.println("RESULT " + line);
            if (json != null) {
                Files.writeString(
                        json,
                        line + System.lineSeparator(),
                        java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
            }
        }
        return 0;
    }

    private void validate() {
        require(perRequest >= 1 && perRequest <= 100, "--per-request must be 1 to 100");
        require(clients >= 1 && clients <= 1024, "--clients must be 1 to 1024");
        require(workers >= 1 && workers <= 256, "--workers must be 1 to 256");
        require(slots >= 1 && slots <= 256, "--slots must be 1 to 256");
        require(rate >= 1 && rate <= 10_000, "--rate must be 1 to 10000");
        require(seconds >= 1 && warmupSeconds >= 0, "--seconds must be at least 1, --warmup at least 0");
        require(
                warmupMaxSeconds == 0 || warmupMaxSeconds >= warmupSeconds,
                "--warmup-max must be 0 (off) or at least --warmup");
        require(warmupMaxSeconds == 0 || !pids.isEmpty(), "--warmup-max needs --pids (it reads the servers' threads)");
        require(
                backlog >= 0 && backlog % BACKLOG_JOBS_PER_REQUEST == 0,
                "--backlog must be 0 or a multiple of " + BACKLOG_JOBS_PER_REQUEST);
        require(tasks >= 1, "--tasks must be at least 1");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(new CommandLine(new QueueBench()), message);
        }
    }

    private QueueSystem open(List<String> members) throws Exception {
        return switch (system) {
            case "corral" ->
                new CorralQueue(
                        members.stream().map(HostPort::parse).toList(),
                        secret(tokenFile),
                        secret(workerTokenFile),
                        workerIdPrefix,
                        followLeader);
            case "etcd" -> new EtcdQueue(members);
            case "rabbitmq" -> new RabbitQueue(members);
            default ->
                throw new CommandLine.ParameterException(
                        new CommandLine(this), "--system must be corral, etcd or rabbitmq, got '" + system + "'");
        };
    }

    private static String secret(Path file) throws Exception {
        return file == null ? null : Files.readString(file).strip();
    }

    /** The figures common to every workload, then the workload's own. */
    private Map<String, Object> header() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("label", label != null ? label : workload.name());
        if (variant != null) {
            r.put("variant", variant);
        }
        r.put("system", system);
        r.put("workload", workload.name());
        r.put("seconds", seconds);
        return r;
    }

    /** C submitters, each waiting for every acknowledgement; jobs/s, request latency and CPU per job. */
    private Map<String, Object> submit(QueueSystem q) throws Exception {
        Window window = new Window();
        Samples samples = new Samples();
        AtomicLong measuredJobs = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(
                    () -> {
                        try (QueueSystem.Submitter s = q.submitter()) {
                            window.started.await();
                            for (long n = 0; !window.over(); n++) {
                                long start = System.nanoTime();
                                s.submit(key(client, n), perRequest);
                                long end = System.nanoTime();
                                if (window.measures(start, end)) {
                                    samples.add(end - start);
                                    measuredJobs.addAndGet(perRequest);
                                }
                            }
                        } catch (Exception e) {
                            failure.compareAndSet(null, e);
                            window.abort();
                        }
                    },
                    "submitter-" + c);
            threads.add(t);
            t.start();
        }
        Measured m = window.run(meter());
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        Map<String, Object> r = header();
        r.put("clients", clients);
        r.put("perRequest", perRequest);
        return figures(r, measuredJobs.get(), m, samples);
    }

    /**
     * Adds {@code --tasks} pending tasks, {@code --per-request} per request from {@code --clients} clients, as fast as
     * they are acknowledged; no warm-up window, the whole fill is the figure (tasks/s and the servers' CPU per task).
     */
    private Map<String, Object> fillOnly(QueueSystem q) throws Exception {
        long requests = (tasks + perRequest - 1) / perRequest;
        CpuMeter meter = meter();
        long cpuBeforeMs = meter.totalMs();
        double fillSeconds = fill(q, requests, perRequest, clients);
        long cpuAfterMs = meter.totalMs();
        Map<String, Object> r = header();
        r.put("clients", clients);
        r.put("perRequest", perRequest);
        r.put("tasks", requests * perRequest);
        r.put("fillSeconds", Math.round(fillSeconds * 10) / 10.0);
        r.put("tasksPerSecond", Math.round(requests * perRequest / fillSeconds));
        r.put("cpuMsPerTask", round((double) (cpuAfterMs - cpuBeforeMs) / (requests * perRequest)));
        return r;
    }

    /** A backlog first, then W workers of S slots claim and complete: jobs/s and CPU per job. */
    private Map<String, Object> claim(QueueSystem q) throws Exception {
        if (backlog > 0) {
            fill(q, backlog / BACKLOG_JOBS_PER_REQUEST, BACKLOG_JOBS_PER_REQUEST, BACKLOG_SUBMITTERS);
        }
        Window window = new Window();
        try (QueueSystem.Workers w = q.workers(workers, slots, (id, at) -> {})) {
            Measured m = window.run(meter(), w::completed);
            long done = m.endCount() - m.startCount();
            if (backlog > 0 && m.endCount() >= backlog) {
                // The workers went idle before the window ended: the figure would be the backlog's size, not a rate.
                throw new IllegalStateException("the backlog of " + backlog + " jobs ran out before the measured"
                        + " window ended (" + m.startCount() + " done in the warm-up); run again with a larger"
                        + " --backlog");
            }
            Map<String, Object> r = header();
            r.put("workers", workers);
            r.put("slots", slots);
            r.put("backlog", backlog);
            return figures(r, done, m, null);
        }
    }

    /**
     * Idle workers; jobs submitted at {@code rate}; the time from sending a job to a worker holding it. The warm-up runs
     * in a closed loop (the next job as soon as a worker holds the last): at 20 jobs a second a JIT compiler sees too
     * few submissions in a minute to compile the write path, and the figure would measure the interpreter.
     */
    private Map<String, Object> latency(QueueSystem q) throws Exception {
        Rendezvous rendezvous = new Rendezvous();
        Window window = new Window();
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (QueueSystem.Workers w = q.workers(workers, slots, rendezvous::claimed);
                QueueSystem.Submitter s = q.submitter()) {
            Thread driver = new Thread(
                    () -> {
                        long periodNs = TimeUnit.SECONDS.toNanos(1) / rate;
                        try {
                            window.started.await();
                            long n = 0;
                            for (; window.warming(); n++) {
                                String id = s.submit(key(0, n), 1);
                                rendezvous.sent(id, System.nanoTime(), false);
                                if (!rendezvous.awaitPending(WARM_CLAIM_BOUND_NS)) {
                                    throw new IllegalStateException("no worker held warm-up job " + id + " within "
                                            + TimeUnit.NANOSECONDS.toSeconds(WARM_CLAIM_BOUND_NS) + " s");
                                }
                            }
                            long next = System.nanoTime();
                            for (; !window.over(); n++) {
                                long wait = next - System.nanoTime();
                                if (wait > 0) {
                                    TimeUnit.NANOSECONDS.sleep(wait);
                                }
                                next += periodNs;
                                long sent = System.nanoTime();
                                String id = s.submit(key(0, n), 1);
                                rendezvous.sent(id, sent, window.measures(sent, sent));
                            }
                        } catch (Exception e) {
                            failure.compareAndSet(null, e);
                            window.abort();
                        }
                    },
                    "latency-driver");
            driver.start();
            Measured m = window.run(meter(), w::completed);
            driver.join();
            if (failure.get() != null) {
                throw failure.get();
            }
            // Claims of the last jobs may still be on their way.
            rendezvous.awaitPending(TimeUnit.SECONDS.toNanos(10));
            Map<String, Object> r = header();
            r.put("workers", workers);
            r.put("slots", slots);
            r.put("rate", rate);
            r.put("unclaimed", rendezvous.unclaimed());
            return figures(r, m.endCount() - m.startCount(), m, rendezvous.samples());
        }
    }

    /** Submits {@code jobs} jobs with several submitters at once, not measured. */
    /** {@code requests} submissions of {@code perRequest} jobs each from {@code submitters} clients; seconds taken. */
    private double fill(QueueSystem q, long requests, int perRequest, int submitters) throws Exception {
        long jobs = requests;
        long startNs = System.nanoTime();
        AtomicLong next = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < submitters; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                try (QueueSystem.Submitter s = q.submitter()) {
                    for (long n; (n = next.getAndIncrement()) < jobs; ) {
                        s.submit(key(1000 + client, n), perRequest);
                        if (n > 0 && n % PROGRESS_EVERY_REQUESTS == 0) {
                            System.err.printf(
                                    "fill: %d of %d requests after %.0f s%n",
                                    n, jobs, (System.nanoTime() - startNs) / 1e9);
                        }
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        double took = (System.nanoTime() - startNs) / 1e9;
        System.err.printf("backlog: %d requests of %d submitted in %.1f s%n", jobs, perRequest, took);
        return took;
    }

    private CpuMeter meter() {
        return new CpuMeter(Path.of("/proc"), pids);
    }

    /** A key that sorts in submission order within a client: what a FIFO needs on etcd. */
    static String key(int client, long n) {
        return String.format("%012d-%04d", n, client);
    }

    private Map<String, Object> figures(Map<String, Object> r, long jobs, Measured m, Samples latencies) {
        double secondsMeasured = m.nanos() / 1e9;
        r.put("warmupSeconds", Math.round(m.warmedSeconds()));
        r.put("seconds", Math.round(secondsMeasured));
        r.put("jobs", jobs);
        r.put("jobsPerSecond", round(jobs / secondsMeasured));
        if (latencies != null && latencies.size() > 0) {
            LatencySummary l = LatencySummary.ofNanos(latencies.toArray());
            r.put("p50Ms", round(l.p50Ms()));
            r.put("p99Ms", round(l.p99Ms()));
            r.put("samples", l.count());
        }
        if (!pids.isEmpty()) {
            r.put("cpuMs", m.cpuMs());
            r.put("cpuMsPerJob", jobs == 0 ? null : round((double) m.cpuMs() / jobs));
            r.put("cpuCoresBusy", round(m.cpuMs() / 1000.0 / secondsMeasured));
            // Compilation is a start-up cost: it should be over once warm; if not, the figure says how much it took.
            r.put("jitCpuMs", m.jitCpuMs());
            if (threads) {
                r.put("cpuMsByThread", m.byThread());
            }
        }
        return r;
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /**
     * What the measurement window saw: how long the warm-up took, the window's length, the servers' CPU (and of it their
     * JIT compiler threads'), a count at its start and end.
     */
    record Measured(
            double warmedSeconds,
            long nanos,
            long cpuMs,
            long jitCpuMs,
            Map<String, Long> byThread,
            long startCount,
            long endCount) {}

    /**
     * The clock of a run: a warm-up, then the measured seconds. Operations count when they start and end inside the
     * measured part; the servers' CPU is read at its two ends.
     */
    final class Window {
        final CountDownLatch started = new CountDownLatch(1);
        final long warmupNs;
        final long measureNs;
        volatile long measureStart = Long.MAX_VALUE;
        volatile long measureEnd = Long.MAX_VALUE;
        volatile boolean over;

        final long warmupMaxNs;

        Window() {
            this.warmupNs = TimeUnit.SECONDS.toNanos(warmupSeconds);
            this.warmupMaxNs = TimeUnit.SECONDS.toNanos(warmupMaxSeconds);
            this.measureNs = TimeUnit.SECONDS.toNanos(seconds);
        }

        boolean over() {
            return over;
        }

        /** Whether the run is still warming up (the measured part has not begun and nothing ended it). */
        boolean warming() {
            return measureStart == Long.MAX_VALUE && !over;
        }

        boolean measures(long start, long end) {
            return start >= measureStart && end <= measureEnd;
        }

        void abort() {
            over = true;
        }

        Measured run(CpuMeter meter) throws InterruptedException {
            return run(meter, () -> 0);
        }

        Measured run(CpuMeter meter, java.util.function.LongSupplier count) throws InterruptedException {
            long begin = System.nanoTime();
            started.countDown();
            sleepUntil(begin + warmupNs);
            Map<String, Long> threadsBefore = pids.isEmpty() ? Map.of() : meter.byThreadMs();
            while (!over && System.nanoTime() - begin < warmupMaxNs) {
                sleepUntil(Math.min(System.nanoTime() + WARM_CHECK_NS, begin + warmupMaxNs));
                Map<String, Long> now = meter.byThreadMs();
                boolean settled = Warmth.settled(threadsBefore, now);
                threadsBefore = now;
                if (settled) {
                    break;
                }
            }
            double warmedSeconds = (System.nanoTime() - begin) / 1e9;
            long cpuBefore = meter.totalMs();
            long countBefore = count.getAsLong();
            measureStart = System.nanoTime();
            long plannedEnd = measureStart + measureNs;
            measureEnd = plannedEnd;
            sleepUntil(plannedEnd);
            long end = System.nanoTime();
            long cpuAfter = meter.totalMs();
            long countAfter = count.getAsLong();
            Map<String, Long> byThread = new LinkedHashMap<>();
            long jitMs = 0;
            if (!pids.isEmpty()) {
                Map<String, Long> after = meter.byThreadMs();
                Map<String, Long> before = threadsBefore;
                after.entrySet().stream()
                        .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                        .filter(e -> e.getValue() > 0)
                        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                        .forEach(e -> byThread.put(e.getKey(), e.getValue()));
                jitMs = Warmth.compilerMs(byThread);
            }
            over = true;
            return new Measured(
                    warmedSeconds,
                    end - measureStart,
                    cpuAfter - cpuBefore,
                    jitMs,
                    threads ? byThread : Map.of(),
                    countBefore,
                    countAfter);
        }

        private void sleepUntil(long deadline) throws InterruptedException {
            for (long left; (left = deadline - System.nanoTime()) > 0 && !over; ) {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        }
    }

    /** Latency samples from many threads. */
    static final class Samples {
        private long[] values = new long[1024];
        private int size;

        synchronized void add(long nanos) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = nanos;
        }

        synchronized int size() {
            return size;
        }

        synchronized long[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    /**
     * Pairs each job's send time with its claim, whichever is known first: with Corral the lease can reach a worker
     * before the submitter has its acknowledgement (and so the job's id).
     */
    static final class Rendezvous {
        private final Map<String, Long> sent = new HashMap<>();
        private final Map<String, Long> claimed = new HashMap<>();
        private final Map<String, Boolean> measured = new HashMap<>();
        private final Samples samples = new Samples();

        synchronized void sent(String id, long atNanos, boolean measure) {
            Long c = claimed.remove(id);
            if (c != null) {
                record(measure, atNanos, c);
            } else {
                sent.put(id, atNanos);
                measured.put(id, measure);
            }
        }

        synchronized void claimed(String id, long atNanos) {
            Long s = sent.remove(id);
            if (s != null) {
                record(Boolean.TRUE.equals(measured.remove(id)), s, atNanos);
                notifyAll();
            } else {
                claimed.put(id, atNanos);
            }
        }

        private void record(boolean measure, long sentNanos, long claimedNanos) {
            if (measure) {
                samples.add(claimedNanos - sentNanos);
            }
        }

        /** Waits up to {@code boundNanos} until every job sent is claimed; whether they all were. */
        synchronized boolean awaitPending(long boundNanos) throws InterruptedException {
            long deadline = System.nanoTime() + boundNanos;
            for (long left; !sent.isEmpty() && (left = deadline - System.nanoTime()) > 0; ) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return sent.isEmpty();
        }

        synchronized int unclaimed() {
            return sent.size();
        }

        Samples samples() {
            return samples;
        }
    }
}
