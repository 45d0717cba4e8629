package io.corral.jepsen;

import io.corral.jepsen.checker.AvailabilityChecker;
import io.corral.jepsen.checker.Validity;
import io.corral.jepsen.cluster.NodeImage;
import io.corral.jepsen.nemesis.Nemeses;
import io.corral.jepsen.run.RunResult;
import io.corral.jepsen.run.RunSpec;
import io.corral.jepsen.run.Runner;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code scripts/jepsen.sh}: one long run of the fault-injection harness, for users and for release checks. */
@Command(
        name = "jepsen.sh",
        mixinStandardHelpOptions = true,
        description = "Runs Corral's fault-injection harness: a cluster in Docker containers, concurrent clients, "
                + "faults on a seeded schedule, then the checkers. Exit 0 valid, 1 invalid, 3 unknown, 2 usage.",
        footer = {
            "%nNemeses: ${sys:corral.nemeses}, and the groups partition, crash, pauses, all, none.",
            "%nExample:%n  scripts/jepsen.sh --workload all --nemesis partition,kill-leader,pause-worker --time 300"
        })
public final class Main implements Callable<Integer> {
    @Option(names = "--workload", paramLabel = "queue|lock|all", description = "What the clients do (default: all).")
    String workload = "all";

    @Option(
            names = "--nemesis",
            paramLabel = "LIST",
            description = "Comma-separated faults to inject (default: partition,kill,kill-leader,pause-worker,net).")
    String nemeses = "partition,kill,kill-leader,pause-worker,net";

    @Option(names = "--time", paramLabel = "SECONDS", description = "Length of the fault phase (default: 300).")
    int seconds = 300;

    @Option(names = "--nodes", paramLabel = "3|5", description = "Coordinators (default: 3).")
    int nodes = 3;

    @Option(names = "--workers", paramLabel = "N", description = "Worker containers (default: 2).")
    int workers = 2;

    @Option(names = "--clients", paramLabel = "N", description = "Concurrent client threads (default: 4).")
    int clients = 4;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of every random choice (default: the time).")
    Long seed;

    @Option(
            names = "--image",
            paramLabel = "IMAGE",
            description = "Node image: " + NodeImage.HOST_JDK + " (built locally, runs the host's JDK; the default) "
                    + "or an image with java 17+, iptables and procps.")
    String image = NodeImage.HOST_JDK;

    @Option(names = "--name", paramLabel = "NAME", description = "Name of the run's results directory (default: long).")
    String name = "long";

    @Option(names = "--out", paramLabel = "DIR", description = "Results root (default: jepsen-tests/target/jepsen).")
    Path out;

    @Option(names = "--root", paramLabel = "DIR", description = "Repository root or install layout with the jars.")
    Path root = Path.of(".");

    @Option(
            names = "--recovery-bound",
            paramLabel = "DURATION",
            converter = Millis.class,
            description = "After each heal, every client's writes must be answered again within this (availability "
                    + "checker); the clients also go on writing this long and 5 s more after the final heal. "
                    + "1s..10m, e.g. 10s, 1500ms, 1m (default: 10s).")
    long recoveryBoundMs = AvailabilityChecker.DEFAULT_RECOVERY_BOUND_MS;

    @Option(
            names = "--quiet-success-min",
            paramLabel = "SHARE",
            description = "Least share of writes answered in quiet spells: no fault in place and at least the recovery "
                    + "bound since the last heal (availability checker). 0..1 (default: 0.99).")
    double quietSuccessMin = AvailabilityChecker.DEFAULT_QUIET_SUCCESS_MIN;

    /** A duration with a unit ({@code 1500ms}, {@code 10s}, {@code 2m}; a bare number is seconds) in milliseconds. */
    static final class Millis implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            try {
                if (v.endsWith("ms")) {
                    return Long.parseLong(v.substring(0, v.length() - 2));
                }
                if (v.endsWith("m")) {
                    return Math.multiplyExact(Long.parseLong(v.substring(0, v.length() - 1)), 60_000L);
                }
                String seconds = v.endsWith("s") ? v.substring(0, v.length() - 1) : v;
                return Math.round(Double.parseDouble(seconds) * 1_000);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not a duration such as 10s, 1500ms or 1m");
            }
        }
    }

    public static void main(String[] args) {
        System.setProperty("corral.nemeses", String.join(", ", Nemeses.names()));
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        long s = seed != null ? seed : System.currentTimeMillis();
        Path results = out != null ? out : root.resolve("jepsen-tests/target/jepsen");
        RunSpec spec;
        try {
            Nemeses.parse(nemeses); // a bad name or limit is a usage error before anything starts
            spec = new RunSpec(name, workload, nemeses, seconds, nodes, workers, clients, s, image, root, results)
                    .withAvailability(recoveryBoundMs, quietSuccessMin);
        } catch (IllegalArgumentException e) {
            System.err.println("jepsen: " + e.getMessage());
            return 2;
        }
        RunResult r = Runner.run(spec);
        Validity v = r.verdict().validity();
        System.out.println(
                "jepsen: " + v + " (seed " + s + "); report: " + r.dir().resolve("index.html"));
        System.out.print(r.verdict().failures());
        return v == Validity.VALID ? 0 : v == Validity.INVALID ? 1 : 3;
    }
}
