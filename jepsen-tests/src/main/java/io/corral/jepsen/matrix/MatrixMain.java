package io.corral.jepsen.matrix;

import io.corral.jepsen.checker.Availability;
import io.corral.jepsen.cluster.NodeImage;
import io.corral.jepsen.history.Op;
import io.corral.jepsen.nemesis.Nemeses;
import io.corral.jepsen.run.RunResult;
import io.corral.jepsen.run.RunSpec;
import io.corral.jepsen.run.Runner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scripts/jepsen-matrix.sh}: the long-run matrix. Every nemesis group × workload × cluster size, one run each
 * (partitions with several seeds), one after the other; resumable; a line per run on stdout; the table written into
 * docs/jepsen.md after each run, with the commit it ran on.
 */
@Command(
        name = "jepsen-matrix.sh",
        mixinStandardHelpOptions = true,
        description = "Runs the fault-injection harness over a matrix of nemesis groups, workloads and cluster sizes, "
                + "resuming where an earlier invocation on the same commit stopped. Exit 0 when every run is VALID, 1 "
                + "otherwise, 2 on a usage error.",
        footer = {
            "%nGroups: any --nemesis value of scripts/jepsen.sh (one name or group per cell).",
            "%nExample:%n  scripts/jepsen-matrix.sh --time 300     # the whole matrix, about 4 hours on 2 cores",
            "  scripts/jepsen-matrix.sh --groups partition --workloads queue --nodes 3 --time 60 --dry-run"
        })
public final class MatrixMain implements Callable<Integer> {
    static final List<String> GROUPS = List.of("partition", "crash", "pauses", "net", "membership", "clock", "disk");

    @Option(
            names = "--groups",
            split = ",",
            paramLabel = "LIST",
            description = "Nemesis groups (default: ${DEFAULT-VALUE}).")
    List<String> groups = GROUPS;

    @Option(
            names = "--workloads",
            split = ",",
            paramLabel = "LIST",
            description = "Workloads (default: ${DEFAULT-VALUE}).")
    List<String> workloads = List.of("queue", "lock");

    @Option(
            names = "--nodes",
            split = ",",
            paramLabel = "LIST",
            description = "Cluster sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> nodes = List.of(3, 5);

    @Option(
            names = "--time",
            paramLabel = "SECONDS",
            description = "Fault phase of each run (default: ${DEFAULT-VALUE}).")
    int seconds = 300;

    @Option(
            names = "--partition-seeds",
            paramLabel = "N",
            description = "Seeds per partition cell (default: ${DEFAULT-VALUE}); other groups run one.")
    int partitionSeeds = 3;

    @Option(
            names = "--seed-base",
            paramLabel = "N",
            description = "First seed; cells take the next ones in order (default: a fresh random one, kept in the "
                    + "state so a resumed matrix runs the same seeds).")
    Long seedBase;

    @Option(names = "--fresh", description = "Start over instead of resuming this commit's matrix.")
    boolean fresh;

    @Option(names = "--dry-run", description = "List the cells and exit.")
    boolean dryRun;

    @Option(
            names = "--state",
            paramLabel = "FILE",
            description = "Progress file (default: jepsen-tests/target/jepsen-matrix/state.tsv).")
    Path state;

    @Option(
            names = "--docs",
            paramLabel = "FILE",
            description = "Document the table goes into (default: docs/jepsen.md).")
    Path docs;

    @Option(names = "--no-docs", description = "Do not write the table into the document.")
    boolean noDocs;

    @Option(names = "--root", paramLabel = "DIR", description = "Repository root with the built jars.")
    Path root = Path.of(".");

    public static void main(String[] args) {
        System.exit(new CommandLine(new MatrixMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        for (String g : groups) {
            try {
                Nemeses.parse(g);
            } catch (IllegalArgumentException e) {
                System.err.println("jepsen-matrix: " + e.getMessage());
                return 2;
            }
        }
        String commit = commit(root);
        StateFile progress =
                new StateFile(state != null ? state : root.resolve("jepsen-tests/target/jepsen-matrix/state.tsv"));
        Long recorded = fresh ? null : progress.seedBaseOf(commit, seconds);
        long base =
                seedBase != null ? seedBase : recorded != null ? recorded : new SecureRandom().nextInt(1_000_000_000);
        Plan plan;
        try {
            plan = new Plan(groups, workloads, nodes, List.of("partition"), partitionSeeds, base);
        } catch (IllegalArgumentException e) {
            System.err.println("jepsen-matrix: " + e.getMessage());
            return 2;
        }
        List<Cell> cells = plan.cells();
        if (dryRun) {
            cells.forEach(c -> System.out.println(c.key()));
            return 0;
        }
        if (recorded == null || recorded != base) {
            progress.start(StateFile.header(commit, base, seconds));
        }
        List<Row> rows = new ArrayList<>(progress.rows());
        Set<String> done = rows.stream().map(r -> r.cell().key()).collect(Collectors.toSet());
        String command = "scripts/jepsen-matrix.sh --time " + seconds + " --seed-base " + base;
        System.out.printf(
                "jepsen-matrix: %d runs of %d s on %s (seed base %d), %d done already%n",
                cells.size(), seconds, commit, base, done.size());
        for (Cell c : cells) {
            if (done.contains(c.key())) {
                continue;
            }
            Row row = run(c);
            progress.append(row);
            rows.add(row);
            System.out.println("jepsen-matrix: " + String.join(" | ", row.cells()) + " | " + row.report());
            if (!noDocs) {
                writeTable(commit, command, cells.size(), rows);
            }
        }
        long invalid = rows.stream().filter(r -> !r.verdict().equals("VALID")).count();
        System.out.printf("jepsen-matrix: %d runs, %d not VALID%n", rows.size(), invalid);
        return invalid == 0 ? 0 : 1;
    }

    private Row run(Cell c) throws InterruptedException {
        RunSpec spec = new RunSpec(
                c.runName(),
                c.workload(),
                c.group(),
                seconds,
                c.nodes(),
                2,
                4,
                c.seed(),
                NodeImage.HOST_JDK,
                root,
                root.resolve("jepsen-tests/target/jepsen"));
        try {
            return row(c, Runner.run(spec));
        } catch (RuntimeException e) {
            // A run that could not even finish (the cluster never came up, Docker failed) is a row too: UNKNOWN.
            return new Row(c, "UNKNOWN", 0, -1, 0, -1, -1, "", "the run failed: " + e, "");
        }
    }

    static Row row(Cell c, RunResult r) {
        Availability a = r.availability();
        long slowest = -1;
        int notRecovered = 0;
        long longest = -1;
        double quiet = -1;
        if (a != null) {
            for (Availability.Heal h : a.heals()) {
                if (h.slowestRecoveryMs() != null) {
                    slowest = Math.max(slowest, h.slowestRecoveryMs());
                }
                notRecovered += h.notRecovered();
            }
            longest = a.longest() == null ? -1 : a.longest().durationMs();
            quiet = a.quiet() == null || a.quiet().share() == null
                    ? -1
                    : a.quiet().share();
        }
        return new Row(
                c,
                r.verdict().validity().name(),
                r.faults().size(),
                slowest,
                notRecovered,
                longest,
                quiet,
                ops(r.history().ops()),
                r.verdict().failures().lines().limit(3).collect(Collectors.joining(" / ")),
                r.dir().toString());
    }

    /** The clients' writes that succeeded, per operation: {@code submit 1694 ok, probe 2400 ok}. */
    static String ops(List<Op> ops) {
        Map<String, Long> ok = new LinkedHashMap<>();
        for (Op op : ops) {
            if (op.process() >= 0 && op.type() == io.corral.jepsen.history.OpType.OK) {
                ok.merge(op.f(), 1L, Long::sum);
            }
        }
        return ok.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue() + " ok")
                .collect(Collectors.joining(", "));
    }

    private void writeTable(String commit, String command, int planned, List<Row> rows) throws IOException {
        Path doc = docs != null ? docs : root.resolve("docs/jepsen.md");
        String text = Files.exists(doc) ? Files.readString(doc, StandardCharsets.UTF_8) : "";
        Files.writeString(
                doc, Table.splice(text, Table.render(commit, command, planned, rows)), StandardCharsets.UTF_8);
    }

    /**
     * {@code git rev-parse --short HEAD}, with {@code -dirty} when tracked files other than docs/jepsen.md changed;
     * "unknown" without git.
     */
    static String commit(Path root) {
        try {
            String head = git(root, "rev-parse", "--short=10", "HEAD").strip();
            // The table this tool writes into docs/jepsen.md after each run is not a change of what runs.
            String status = git(
                            root,
                            "status",
                            "--porcelain",
                            "--untracked-files=no",
                            "--",
                            ".",
                            ":(exclude)docs/jepsen.md")
                    .strip();
            return head.isEmpty() ? "unknown" : status.isEmpty() ? head : head + "-dirty";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private static String git(Path root, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("git", "-C", root.toString()));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? out : "";
    }
}
