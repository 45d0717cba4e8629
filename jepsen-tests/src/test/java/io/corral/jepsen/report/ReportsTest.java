package io.corral.jepsen.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.jepsen.checker.Availability;
import io.corral.jepsen.checker.AvailabilityChecker;
import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.checker.FaultPeriod;
import io.corral.jepsen.cluster.NodeImage;
import io.corral.jepsen.history.History;
import io.corral.jepsen.history.Op;
import io.corral.jepsen.history.OpType;
import io.corral.jepsen.nemesis.NemesisSchedule;
import io.corral.jepsen.run.RunResult;
import io.corral.jepsen.run.RunSpec;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole report from a synthetic run: a few hundred operations over 20 s with two faults. */
class ReportsTest {
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final List<NemesisSchedule.Period> FAULTS = List.of(
            new NemesisSchedule.Period("partition-leader", 5 * S, 9 * S, Map.of("isolated", "n1")),
            new NemesisSchedule.Period("kill", 13 * S, 16 * S, Map.of("node", "n2")));

    @TempDir
    Path dir;

    @Test
    void validRunHasResultsPlotsAndPage() throws IOException {
        History history = syntheticHistory(new Random(42));
        CheckResult verdict = CheckResult.combine(
                "reports-e2e",
                List.of(CheckResult.builder("queue")
                        .zero("lost")
                        .count("acknowledged", 120)
                        .build()));
        writeRunnerFiles(history);

        Reports.write(result(verdict, history));

        JsonNode json = JSON.readTree(dir.resolve("results.json").toFile());
        assertThat(json.get("valid").asBoolean()).isTrue();
        assertThat(json.get("verdict").get("validity").asText()).isEqualTo("VALID");
        assertThat(json.get("verdict")
                        .get("parts")
                        .get(0)
                        .get("counts")
                        .get("acknowledged")
                        .asLong())
                .isEqualTo(120);
        assertThat(json.get("spec").get("seed").asLong()).isEqualTo(42);
        assertThat(json.get("faults")).hasSize(2);
        assertThat(json.get("faults").get(1).get("startSeconds").asDouble()).isEqualTo(13.0);
        Map<String, Long> expected = countCompletions(history, "submit");
        JsonNode submit = json.get("counts").get("submit");
        assertThat(submit.get("ok").asLong()).isEqualTo(expected.get("ok")).isPositive();
        assertThat(submit.get("fail").asLong()).isEqualTo(expected.get("fail")).isPositive();
        assertThat(submit.get("info").asLong()).isEqualTo(expected.get("info")).isPositive();
        JsonNode latency = json.get("latency").get("submit");
        assertThat(latency.get("p50Ms").asDouble()).isBetween(5.0, 3000.0);
        assertThat(latency.get("p99Ms").asDouble())
                .isGreaterThanOrEqualTo(latency.get("p95Ms").asDouble());
        assertThat(latency.get("maxMs").asDouble())
                .isGreaterThanOrEqualTo(latency.get("p99Ms").asDouble());

        assertPlot("latency.png");
        assertPlot("throughput.png");

        String html = Files.readString(dir.resolve("index.html"));
        assertThat(html)
                .contains("<div class=\"verdict VALID\">VALID</div>")
                .contains("href=\"history.jsonl\"", "href=\"results.json\"", "href=\"seed\"")
                .contains("href=\"logs/coordinator-1.log\"", "href=\"logs/worker%201/agent.log\"")
                .contains("src=\"latency.png\"", "src=\"throughput.png\"")
                .contains("partition-leader", "kill")
                .doesNotContain("could not be drawn");
    }

    @Test
    void invalidRunShowsItsAnomalyExamplesEscaped() throws IOException {
        History history = syntheticHistory(new Random(7));
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("job", "<script>alert('lost')</script>");
        example.put("acknowledgedAtMs", 1234);
        CheckResult queue = CheckResult.builder("queue")
                .zero("lost")
                .anomaly("lost", example)
                .build();
        CheckResult verdict = CheckResult.combine("reports-e2e", List.of(queue));
        writeRunnerFiles(history);

        Reports.write(result(verdict, history));

        JsonNode json = JSON.readTree(dir.resolve("results.json").toFile());
        assertThat(json.get("valid").asBoolean(true)).isFalse();
        assertThat(json.get("verdict")
                        .get("parts")
                        .get(0)
                        .get("examples")
                        .get("lost")
                        .get(0)
                        .get("job")
                        .asText())
                .isEqualTo("<script>alert('lost')</script>");
        String html = Files.readString(dir.resolve("index.html"));
        assertThat(html)
                .contains("<div class=\"verdict INVALID\">INVALID</div>")
                .contains("reports-e2e / queue: lost")
                .contains("&lt;script&gt;alert(&#39;lost&#39;)&lt;/script&gt;")
                .contains("&quot;acknowledgedAtMs&quot; : 1234")
                .doesNotContain("<script>");
    }

    @Test
    void availabilityFiguresAreInResultsAndOnThePage() throws IOException {
        History history = syntheticHistory(new Random(42));
        List<FaultPeriod> faults = FAULTS.stream()
                .map(p -> new FaultPeriod(p.kind(), p.startNanos(), p.endNanos()))
                .toList();
        Availability availability = new AvailabilityChecker(2_000, 0.5, 6).check(history, faults, 17 * S, null);
        CheckResult verdict = CheckResult.combine("reports-e2e", List.of(availability.result()));
        writeRunnerFiles(history);

        Reports.write(new RunResult(spec(), dir, verdict, FAULTS, history, availability));

        JsonNode json = JSON.readTree(dir.resolve("results.json").toFile()).get("availability");
        assertThat(json.get("recoveryBoundMs").asLong()).isEqualTo(2_000);
        assertThat(json.get("quietSuccessMin").asDouble()).isEqualTo(0.5);
        assertThat(json.has("result")).isFalse(); // the verdict tree holds it
        assertThat(json.get("heals")).hasSize(3);
        assertThat(json.get("heals").get(0).get("kind").asText()).isEqualTo("partition-leader");
        assertThat(json.get("heals").get(0).get("clients")).isNotEmpty();
        assertThat(json.get("kinds").get(0).get("kind").asText()).isEqualTo("partition-leader");
        assertThat(json.get("kinds").get(0).get("longest").get("durationMs").asLong())
                .isPositive();
        assertThat(json.get("quiet").get("writes").asLong()).isPositive();
        assertThat(json.get("longest").get("client").asText()).startsWith("client-");
        String html = Files.readString(dir.resolve("index.html"));
        assertThat(html)
                .contains("<h2>Availability</h2>", "Longest unavailability by fault kind", "Recovery after each heal")
                .contains("within 2.00 s of each heal", "at least 50.0 %")
                .contains("<td>heal-all</td>");
    }

    @Test
    void undecidedRunIsUnknownAndAnEmptyHistoryStillDraws() throws IOException {
        CheckResult verdict = CheckResult.combine(
                "reports-e2e",
                List.of(CheckResult.builder("lock")
                        .unknown("search-limit", Map.of("ops", 9))
                        .build()));

        Reports.write(new RunResult(spec(), dir, verdict, List.of(), History.of(List.of())));

        assertThat(JSON.readTree(dir.resolve("results.json").toFile())
                        .get("valid")
                        .asText())
                .isEqualTo("unknown");
        assertThat(Files.readString(dir.resolve("index.html")))
                .contains("<div class=\"verdict UNKNOWN\">UNKNOWN</div>")
                .contains("None injected.");
        assertPlot("latency.png");
        assertPlot("throughput.png");
    }

    private void assertPlot(String name) throws IOException {
        BufferedImage image = ImageIO.read(dir.resolve(name).toFile());
        assertThat(image).as(name).isNotNull();
        assertThat(image.getWidth()).isEqualTo(Charts.WIDTH_PX);
        assertThat(image.getHeight()).isEqualTo(Charts.HEIGHT_PX);
    }

    private RunResult result(CheckResult verdict, History history) {
        return new RunResult(spec(), dir, verdict, FAULTS, history);
    }

    private RunSpec spec() {
        return new RunSpec(
                "reports-e2e", "all", "partition-leader,kill", 20, 3, 2, 6, 42L, NodeImage.HOST_JDK, dir, dir);
    }

    /** What the runner leaves in the directory besides the report. */
    private void writeRunnerFiles(History history) throws IOException {
        Files.writeString(dir.resolve("seed"), "42\n");
        history.write(dir.resolve("history.jsonl"));
        Files.createDirectories(dir.resolve("logs/worker 1"));
        Files.writeString(dir.resolve("logs/coordinator-1.log"), "started\n");
        Files.writeString(dir.resolve("logs/worker 1/agent.log"), "started\n");
    }

    private static Map<String, Long> countCompletions(History history, String f) {
        Map<String, Long> m = new LinkedHashMap<>(Map.of("ok", 0L, "fail", 0L, "info", 0L));
        for (Op op : history.ops()) {
            if (op.process() >= 0 && op.f().equals(f) && !op.isInvoke()) {
                m.merge(op.type().name().toLowerCase(java.util.Locale.ROOT), 1L, Long::sum);
            }
        }
        return m;
    }

    /**
     * Six client threads over 20 s: quick oks outside faults; during a fault slow answers, timeouts (info, after
     * which the thread continues as a new process, as History requires) and failures.
     */
    static History syntheticHistory(Random random) {
        record Entry(long timeNanos, int process, OpType type, String f) {}
        List<Entry> entries = new ArrayList<>();
        for (int thread = 0; thread < 6; thread++) {
            int process = thread;
            long t = random.nextInt(200) * MS;
            while (t < 20 * S) {
                String f = thread % 2 == 0 ? "submit" : (random.nextBoolean() ? "acquire" : "release");
                long now = t;
                boolean faulty = FAULTS.stream().anyMatch(p -> p.startNanos() <= now && now < p.endNanos());
                double roll = random.nextDouble();
                OpType type = faulty
                        ? (roll < 0.4 ? OpType.INFO : roll < 0.7 ? OpType.FAIL : OpType.OK)
                        : (roll < 0.03 ? OpType.FAIL : roll < 0.05 ? OpType.INFO : OpType.OK);
                long latency = (faulty ? 500 + random.nextInt(2500) : 5 + random.nextInt(75)) * MS;
                entries.add(new Entry(t, process, OpType.INVOKE, f));
                entries.add(new Entry(t + latency, process, type, f));
                if (type == OpType.INFO) {
                    process += 6;
                }
                t += latency + (100 + random.nextInt(200)) * MS;
            }
        }
        for (NemesisSchedule.Period p : FAULTS) {
            for (long at : new long[] {p.startNanos(), p.endNanos()}) {
                String f = at == p.startNanos() ? "nemesis-start" : "nemesis-stop";
                entries.add(new Entry(at, NemesisSchedule.PROCESS, OpType.INVOKE, f));
                entries.add(new Entry(at, NemesisSchedule.PROCESS, OpType.OK, f));
            }
        }
        List<Entry> sorted = new ArrayList<>(entries);
        // Stable: an invocation and its completion at the same instant keep their order.
        sorted.sort(Comparator.comparingLong(Entry::timeNanos));
        List<Op> ops = new ArrayList<>();
        for (Entry e : sorted) {
            ops.add(new Op(ops.size(), e.process(), e.type(), e.f(), Map.of("kind", "k"), e.timeNanos(), null));
        }
        return History.of(ops);
    }
}
