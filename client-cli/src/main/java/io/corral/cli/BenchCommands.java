package io.corral.cli;

import io.corral.client.CorralClient;
import io.corral.client.HostPort;
import io.corral.metrics.LatencySummary;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobState;
import io.corral.protocol.JobSummary;
import io.corral.protocol.JobView;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.UnreachableMember;
import io.corral.protocol.WorkerView;
import io.corral.protocol.images.ImageSniffer;
import io.corral.protocol.images.TinyPng;
import io.corral.protocol.ops.InvalidOperationException;
import io.corral.protocol.ops.Operations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code corral bench ...}: measurements against a running cluster (docs/benchmarks.md). */
@Command(
        name = "bench",
        description = {
            "Measures a running cluster: dispatch latency and image throughput.",
            "See docs/benchmarks.md; scripts/bench-dispatch.sh and scripts/bench-throughput.sh run them on a fresh"
                    + " local cluster."
        },
        subcommands = {BenchCommands.Dispatch.class, BenchCommands.Throughput.class})
final class BenchCommands extends CommandGroup {
    /** The target for the dispatch latency's p99. */
    static final double TARGET_DISPATCH_P99_MS = 10.0;

    static final int MAX_JOBS = 1_000_000;

    @Command(
            name = "dispatch",
            sortOptions = false,
            description = {
                "Measures dispatch latency: from a job's submission being acknowledged to its lease reaching an idle"
                        + " worker.",
                "Registers its own worker (1 slot) over the worker protocol, then submits one-image jobs one at a"
                        + " time; each waits for its lease, and the worker completes the task at once without"
                        + " processing it, so it is idle at every submission.",
                "Needs a cluster with no other worker connected and no unfinished job: either would take or give"
                        + " the benchmark's leases. Leaves --warmup + --jobs finished jobs labelled"
                        + " corral-bench=dispatch.",
                "Prints count, p50, p90, p99, max and mean in milliseconds of: submit (send to acknowledgement),"
                        + " dispatch (acknowledgement to lease) and end-to-end (send to lease)."
            })
    static final class Dispatch extends BaseCommand {
        @Option(names = "--jobs", paramLabel = "N", description = "Jobs measured (default: 1000).")
        int jobs = 1000;

        @Option(names = "--warmup", paramLabel = "N", description = "Jobs run first and not measured (default: 50).")
        int warmup = 50;

        @Option(
                names = "--lease-timeout",
                paramLabel = "DURATION",
                converter = Durations.Converter.class,
                description = "Give up when a job's lease has not come after this long (default: 10s).")
        long leaseTimeoutMs = 10_000;

        @Option(
                names = "--placement",
                paramLabel = "PLACEMENT",
                description = "Which members the benchmark's worker and submitter connect to: any (as --coordinators"
                        + " picks, the default), same (both on one follower), leader (the worker on the leader, the"
                        + " submitter on a follower), other (each on a different follower; needs 3 members or more).")
        String placement = "any";

        @Override
        void run(Output out) throws IOException, InterruptedException {
            validate();
            ClusterSession.Settings settings = main().settings(0);
            ImageRef input;
            ImageRef result;
            List<MemberStatus> members;
            try (ClusterSession session = connect()) {
                requireNoWorkers(session);
                requireNoUnfinishedJobs(session, "the benchmark's worker would be offered their tasks");
                input = uploadTinyPng(session, 8, 0x3366AA);
                result = uploadTinyPng(session, 4, 0xAA6633);
                members = session.callWithRetry(new Request.GetClusterStatus(), Response.ClusterStatus.class)
                        .members();
            }
            String workerId = "corral-bench-"
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
            DispatchBench.Settings bench =
                    new DispatchBench.Settings(jobs, warmup, leaseTimeoutMs, settings.requestTimeoutMs());
            int total = warmup + jobs;
            Map<String, Object> report;
            String[] at = placed(members);
            try (CorralClient submitter = ClientSession.client(at == null ? settings : pinned(settings, at[0]));
                    CorralClient worker = ClientSession.client(at == null ? settings : pinned(settings, at[1]))) {
                out.note("worker " + workerId + " on " + where(worker, members) + ", submitter on "
                        + where(submitter, members) + "; " + warmup + " warm-up and " + jobs + " measured jobs");
                List<DispatchBench.Sample> samples = new DispatchBench(
                                submitter, worker, workerId, input, result, bench)
                        .run(done -> out.note(done + " of " + total + " jobs done"));
                report = report(samples, workerId, where(worker, members), where(submitter, members));
            } catch (RuntimeException e) {
                throw ClientSession.translate(e);
            }
            print(out, report);
        }

        /** The submitter's and the worker's addresses for {@link #placement}; null for "any". */
        String[] placed(List<MemberStatus> members) {
            if (placement.equals("any")) {
                return null;
            }
            List<String> followers = new java.util.ArrayList<>();
            String leader = null;
            for (MemberStatus m : members) {
                if (!m.reachable() || m.rpcAddress() == null) {
                    continue;
                }
                if ("LEADER".equals(m.role())) {
                    leader = m.rpcAddress();
                } else {
                    followers.add(m.rpcAddress());
                }
            }
            int needed = placement.equals("other") ? 2 : 1;
            if (followers.size() < needed || (placement.equals("leader") && leader == null)) {
                throw CliException.of(
                        io.corral.protocol.ErrorCode.UNAVAILABLE,
                        "--placement " + placement + " needs a leader and " + needed
                                + " reachable follower(s); the cluster has "
                                + (leader == null ? "no leader" : "a leader") + " and " + followers.size());
            }
            return switch (placement) {
                case "same" -> new String[] {followers.get(0), followers.get(0)};
                case "leader" -> new String[] {followers.get(0), leader};
                default -> new String[] {followers.get(0), followers.get(1)};
            };
        }

        private static ClusterSession.Settings pinned(ClusterSession.Settings s, String address) {
            return s.withCoordinators(address);
        }

        void validate() {
            if (!List.of("any", "same", "leader", "other").contains(placement)) {
                throw CliException.badInput("--placement must be any, same, leader or other, got '" + placement + "'");
            }
            if (jobs < 1 || jobs > MAX_JOBS) {
                throw CliException.badInput("--jobs must be between 1 and " + MAX_JOBS + ", got " + jobs);
            }
            if (warmup < 0 || warmup > MAX_JOBS) {
                throw CliException.badInput("--warmup must be between 0 and " + MAX_JOBS + ", got " + warmup);
            }
            if (leaseTimeoutMs < 1) {
                throw CliException.badInput("--lease-timeout must be at least 1ms");
            }
        }

        Map<String, Object> report(
                List<DispatchBench.Sample> samples, String workerId, String worker, String submitter) {
            long[] submit = new long[samples.size()];
            long[] dispatch = new long[samples.size()];
            long[] endToEnd = new long[samples.size()];
            int leaseFirst = 0;
            for (int i = 0; i < samples.size(); i++) {
                DispatchBench.Sample s = samples.get(i);
                submit[i] = s.submitNs();
                dispatch[i] = s.dispatchNs();
                endToEnd[i] = s.endToEndNs();
                leaseFirst += s.leaseFirst() ? 1 : 0;
            }
            LatencySummary d = LatencySummary.ofNanos(dispatch);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("jobs", samples.size());
            r.put("warmup", warmup);
            r.put("workerId", workerId);
            r.put("worker", worker);
            r.put("submitter", submitter);
            r.put("submitMs", LatencySummary.ofNanos(submit));
            r.put("dispatchMs", d);
            r.put("endToEndMs", LatencySummary.ofNanos(endToEnd));
            r.put("leaseBeforeAck", leaseFirst);
            r.put("targetDispatchP99Ms", TARGET_DISPATCH_P99_MS);
            r.put("targetMet", d.p99Ms() < TARGET_DISPATCH_P99_MS);
            return r;
        }

        static void print(Output out, Map<String, Object> r) {
            if (out.json()) {
                out.printJson(r);
                return;
            }
            LatencySummary d = (LatencySummary) r.get("dispatchMs");
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("JOBS", r.get("jobs") + " measured, after " + r.get("warmup") + " warm-up jobs");
            fields.put("WORKER", r.get("workerId") + " on " + r.get("worker"));
            fields.put("SUBMITTER", "on " + r.get("submitter"));
            fields.put(
                    "TARGET",
                    "dispatch p99 under " + String.format(Locale.ROOT, "%.0f", TARGET_DISPATCH_P99_MS) + " ms: "
                            + (Boolean.TRUE.equals(r.get("targetMet")) ? "met" : "missed") + " (" + ms(d.p99Ms())
                            + " ms)");
            out.fields(fields);
            out.line("");
            List<List<String>> rows = new ArrayList<>();
            rows.add(row("submit", "send", "acknowledged", (LatencySummary) r.get("submitMs")));
            rows.add(row("dispatch", "acknowledged", "lease", d));
            rows.add(row("end-to-end", "send", "lease", (LatencySummary) r.get("endToEndMs")));
            out.table(
                    List.of("MEASURE", "FROM", "TO", "COUNT", "P50_MS", "P90_MS", "P99_MS", "MAX_MS", "MEAN_MS"), rows);
            int leaseFirst = (Integer) r.get("leaseBeforeAck");
            if (leaseFirst > 0) {
                out.note(leaseFirst + " lease(s) arrived before their submission's acknowledgement; counted as 0 ms"
                        + " of dispatch");
            }
        }

        private static List<String> row(String name, String from, String to, LatencySummary s) {
            return List.of(
                    name,
                    from,
                    to,
                    Integer.toString(s.count()),
                    ms(s.p50Ms()),
                    ms(s.p90Ms()),
                    ms(s.p99Ms()),
                    ms(s.maxMs()),
                    ms(s.meanMs()));
        }

        /** Refuses when any worker is connected: it would take some of the benchmark's leases. */
        static void requireNoWorkers(ClusterSession session) {
            Response.WorkerList list = session.callWithRetry(new Request.ListWorkers(), Response.WorkerList.class);
            if (!list.workers().isEmpty()) {
                List<String> named = new ArrayList<>();
                for (WorkerView w : list.workers()) {
                    named.add(w.workerId() + " on " + w.coordinatorId());
                }
                throw CliException.of(
                        ErrorCode.CONFLICT,
                        "refusing to benchmark dispatch: " + list.workers().size() + " worker(s) connected ("
                                + String.join(", ", named) + ") would take the benchmark's tasks; stop them, or"
                                + " use a cluster of its own (scripts/bench-dispatch.sh starts one)");
            }
            if (!list.unreachable().isEmpty()) {
                List<String> named = new ArrayList<>();
                for (UnreachableMember m : list.unreachable()) {
                    named.add(m.id() + " (" + m.error() + ")");
                }
                throw CliException.of(
                        ErrorCode.UNAVAILABLE,
                        "refusing to benchmark dispatch: cannot tell whether workers are connected to "
                                + String.join(", ", named) + "; benchmark a cluster whose members all answer");
            }
        }

        /** A tiny square PNG of one colour, uploaded from a temporary file. */
        private static ImageRef uploadTinyPng(ClusterSession session, int side, int rgb) throws IOException {
            Path file = TinyPng.writeTemp(side, rgb);
            try {
                return session.upload(file, SubmitCommand.DEFAULT_MAX_IMAGE_BYTES);
            } finally {
                Files.deleteIfExists(file);
            }
        }

        /** "n2 (FOLLOWER)": the member a client is connected to, by its RPC address. */
        private static String where(CorralClient client, List<MemberStatus> members) {
            Optional<HostPort> target = client.connectedTo();
            if (target.isEmpty()) {
                return "no coordinator (disconnected)";
            }
            for (MemberStatus m : members) {
                if (m.rpcAddress() != null && sameAddress(m.rpcAddress(), target.get())) {
                    return m.id() + " (" + m.role() + ")";
                }
            }
            return target.get().toString();
        }

        private static boolean sameAddress(String rpcAddress, HostPort target) {
            try {
                return HostPort.parse(rpcAddress).equals(target);
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }

    @Command(
            name = "throughput",
            sortOptions = false,
            description = {
                "Measures image throughput: uploads the images (timed apart), submits one job over all of them and"
                        + " waits for it.",
                "Images per second = images / (the job's end − its submission), both by the leader's clock, so the"
                        + " figure covers download, processing, result upload and commit by the connected workers, and"
                        + " not the upload.",
                "Needs at least one connected worker and no unfinished job (its tasks would compete for the workers)."
            })
    static final class Throughput extends BaseCommand {
        /** A web rendition of a photo: what an upload service does with every image it receives. */
        static final List<String> DEFAULT_OPERATIONS = List.of("resize:1024x1024", "format:jpeg,q=85");

        @Option(
                names = "--op",
                paramLabel = "OP",
                description = "An operation for every image; repeat for a pipeline (default: resize:1024x1024"
                        + " format:jpeg,q=85).")
        List<String> operations = new ArrayList<>();

        @Option(
                names = "--max-image-bytes",
                paramLabel = "BYTES",
                converter = ByteSizes.Converter.class,
                description = "Refuse files larger than this (default: 50MiB).")
        long maxImageBytes = SubmitCommand.DEFAULT_MAX_IMAGE_BYTES;

        @Option(
                names = "--wait-timeout",
                paramLabel = "DURATION",
                converter = Durations.Converter.class,
                description = "Give up (exit code 4) when the job has not finished after this long (default: 1h).")
        long waitTimeoutMs = 3_600_000;

        @Parameters(paramLabel = "FILE|DIR", arity = "1..*", description = "Images, or directories of images.")
        List<Path> paths = new ArrayList<>();

        @Override
        void run(Output out) throws InterruptedException {
            List<String> ops = validate();
            List<ImageFiles.Candidate> files = ImageFiles.collect(paths);
            ImageFiles.check(files, maxImageBytes, ImageSniffer::detect);
            long inputBytes = 0;
            for (ImageFiles.Candidate f : files) {
                inputBytes += f.path().toFile().length();
            }
            Map<String, Object> r = new LinkedHashMap<>();
            try (ClusterSession session = connect()) {
                List<WorkerView> workers = requireWorkers(session);
                requireNoUnfinishedJobs(session, "they would compete for the workers");
                long startNs = System.nanoTime();
                List<ImageRef> images = new ArrayList<>(files.size());
                for (ImageFiles.Candidate f : files) {
                    ImageRef stored = session.upload(f.path(), maxImageBytes);
                    images.add(new ImageRef(f.name(), stored.sha256(), stored.size()));
                }
                double uploadSeconds = (System.nanoTime() - startNs) / 1e9;
                out.note("uploaded " + files.size() + " images in " + seconds(uploadSeconds) + " s; processing");
                Request.SubmitJob submit = new Request.SubmitJob(
                        images,
                        ops,
                        0,
                        3,
                        Map.of("corral-bench", "throughput"),
                        UUID.randomUUID().toString());
                String jobId = session.callWithRetry(submit, Response.JobSubmitted.class)
                        .jobId();
                JobView job = watch(session).await(jobId, waitTimeoutMs);
                String failure = JobWatch.failure(job);
                if (failure != null) {
                    throw new CliException(job.state().name(), ExitCodes.FAILURE, failure);
                }
                double processingSeconds = (job.finishedAtMs() - job.submittedAtMs()) / 1e3;
                r.put("jobId", jobId);
                r.put("images", files.size());
                r.put("inputBytes", inputBytes);
                r.put("operations", ops);
                r.put("workers", workers.size());
                r.put("slots", workers.stream().mapToInt(WorkerView::slots).sum());
                r.put("uploadSeconds", round3(uploadSeconds));
                r.put("processingSeconds", round3(processingSeconds));
                r.put("imagesPerSecond", round3(files.size() / Math.max(processingSeconds, 0.001)));
            }
            print(out, r);
        }

        List<String> validate() {
            if (maxImageBytes < 1) {
                throw CliException.badInput("--max-image-bytes must be at least 1");
            }
            if (waitTimeoutMs < 1) {
                throw CliException.badInput("--wait-timeout must be at least 1ms");
            }
            try {
                return Operations.canonicalize(operations.isEmpty() ? DEFAULT_OPERATIONS : operations);
            } catch (InvalidOperationException e) {
                throw CliException.badInput("invalid --op " + e.getMessage());
            }
        }

        static List<WorkerView> requireWorkers(ClusterSession session) {
            Response.WorkerList list = session.callWithRetry(new Request.ListWorkers(), Response.WorkerList.class);
            List<WorkerView> active =
                    list.workers().stream().filter(w -> !w.draining()).toList();
            if (active.isEmpty()) {
                throw CliException.of(
                        ErrorCode.CONFLICT,
                        "refusing to benchmark throughput: no active worker is connected, nothing would process"
                                + " the images (scripts/cluster.sh start -w 2 starts two)");
            }
            return active;
        }

        static void print(Output out, Map<String, Object> r) {
            if (out.json()) {
                out.printJson(r);
                return;
            }
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("JOB", (String) r.get("jobId"));
            fields.put(
                    "IMAGES",
                    r.get("images") + " (" + String.format(Locale.ROOT, "%.1f", (Long) r.get("inputBytes") / 1e6)
                            + " MB)");
            @SuppressWarnings("unchecked")
            List<String> ops = (List<String>) r.get("operations");
            fields.put("OPERATIONS", String.join(" ", ops));
            fields.put("WORKERS", r.get("workers") + " (" + r.get("slots") + " slots in all)");
            fields.put("UPLOAD_S", seconds((Double) r.get("uploadSeconds")) + " (not counted below)");
            fields.put("PROCESSING_S", seconds((Double) r.get("processingSeconds")) + " (job submitted to finished)");
            fields.put("IMAGES_PER_S", String.format(Locale.ROOT, "%.3f", (Double) r.get("imagesPerSecond")));
            out.fields(fields);
        }
    }

    /**
     * Refuses when a job is pending or running: its tasks would mix with the benchmark's (dispatch) or take the
     * workers' time (throughput).
     */
    static void requireNoUnfinishedJobs(ClusterSession session, String why) {
        for (JobState state : List.of(JobState.PENDING, JobState.LEASED)) {
            List<JobSummary> jobs = session.callWithRetry(new Request.ListJobs(state, 1, false), Response.JobList.class)
                    .jobs();
            if (!jobs.isEmpty()) {
                throw CliException.of(
                        ErrorCode.CONFLICT,
                        "refusing to benchmark: " + jobs.get(0).id() + " is " + state + " (and maybe others); " + why
                                + ". Wait for them to finish, or cancel them");
            }
        }
    }

    static String ms(double ms) {
        return String.format(Locale.ROOT, "%.3f", ms);
    }

    static String seconds(double s) {
        return String.format(Locale.ROOT, "%.1f", s);
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
