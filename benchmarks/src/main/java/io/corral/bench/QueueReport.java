package io.corral.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The side-by-side table of docs/benchmarks.md from the results {@link QueueBench} appended to a file: one row per
 * workload, each system's median over the rounds (throughput, latency, CPU per job), and Corral's ratios to the
 * others (throughput; for the latency workload, the peers' p99 over Corral's, so above 1 means Corral is faster).
 */
public final class QueueReport {
    static final List<String> SYSTEMS = List.of("corral", "etcd", "rabbitmq");

    private QueueReport() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: QueueReport RESULTS.jsonl");
            System.exit(2);
        }
        System.out.print(table(Files.readAllLines(Path.of(args[0]))));
    }

    static String table(List<String> lines) throws IOException {
        Map<String, Map<String, List<JsonNode>>> byLabel = group(lines, "system");
        StringBuilder out = new StringBuilder();
        out.append("| workload | Corral | etcd | RabbitMQ | Corral ÷ etcd | Corral ÷ RabbitMQ |\n");
        out.append("|---|---|---|---|---|---|\n");
        byLabel.forEach((label, bySystem) -> {
            out.append("| ").append(label);
            for (String s : SYSTEMS) {
                out.append(" | ").append(cell(bySystem.get(s)));
            }
            boolean latency = isLatency(bySystem);
            for (String peer : List.of("etcd", "rabbitmq")) {
                out.append(" | ").append(ratio(bySystem.get("corral"), bySystem.get(peer), latency));
            }
            out.append(" |\n");
        });
        out.append(
                        "\nMedians over the rounds (n = rounds per cell); throughput in jobs/s (tasks/s for many per request),")
                .append(" latency p50 / p99 in ms, CPU: the servers' user + system time per job, summed over members.")
                .append(" Latency row ratios: the peer's p99 ÷ Corral's (above 1: Corral is faster).\n");
        return out.toString();
    }

    private static boolean isLatency(Map<String, List<JsonNode>> bySystem) {
        return bySystem.values().stream().flatMap(List::stream).anyMatch(r -> "latency"
                .equals(r.path("workload").asText()));
    }

    static String cell(List<JsonNode> runs) {
        if (runs == null || runs.isEmpty()) {
            return "–";
        }
        StringBuilder c = new StringBuilder();
        if (!"latency".equals(runs.get(0).path("workload").asText())) {
            c.append(format(median(runs, "jobsPerSecond"), 0)).append("/s");
        }
        double p50 = median(runs, "p50Ms");
        double p99 = median(runs, "p99Ms");
        if (!Double.isNaN(p50)) {
            c.append(c.length() > 0 ? ", " : "")
                    .append(format(p50, 1))
                    .append(" / ")
                    .append(format(p99, 1))
                    .append(" ms");
        }
        double cpu = median(runs, "cpuMsPerJob");
        if (!Double.isNaN(cpu)) {
            c.append("; CPU ").append(format(cpu, 2)).append(" ms");
        }
        return c.append(" (n=").append(runs.size()).append(")").toString();
    }

    private static String ratio(List<JsonNode> corral, List<JsonNode> peer, boolean latency) {
        if (corral == null || peer == null) {
            return "–";
        }
        double r = latency
                ? median(peer, "p99Ms") / median(corral, "p99Ms")
                : median(corral, "jobsPerSecond") / median(peer, "jobsPerSecond");
        return Double.isNaN(r) || Double.isInfinite(r) ? "–" : format(r, 2) + "×";
    }

    /** The results by label (the row), then by {@code column} (a field: system, variant), in the order they came. */
    static Map<String, Map<String, List<JsonNode>>> group(List<String> lines, String column) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, Map<String, List<JsonNode>>> byLabel = new LinkedHashMap<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode r = json.readTree(line);
            byLabel.computeIfAbsent(r.path("label").asText(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.path(column).asText(), k -> new ArrayList<>())
                    .add(r);
        }
        return byLabel;
    }

    /** The median of a field over runs that have it; NaN when none has. */
    static double median(List<JsonNode> runs, String field) {
        double[] v = runs.stream()
                .filter(r -> r.hasNonNull(field))
                .mapToDouble(r -> r.get(field).asDouble())
                .sorted()
                .toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String format(double v, int decimals) {
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }
}
