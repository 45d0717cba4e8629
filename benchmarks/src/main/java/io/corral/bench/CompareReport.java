package io.corral.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The table of an A/B run ({@code scripts/bench-compare.sh}): one row per workload, the median over the rounds of each
 * build ({@code variant} base and head) and head's ratios to base: throughput (above 1: head is faster), CPU per job
 * (below 1: head is cheaper) and, for the latency workload, p99 (below 1: head is faster).
 */
public final class CompareReport {
    private CompareReport() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: CompareReport RESULTS.jsonl BASE-NAME HEAD-NAME");
            System.exit(2);
        }
        System.out.print(table(Files.readAllLines(Path.of(args[0])), args[1], args[2]));
    }

    static String table(List<String> lines, String baseName, String headName) throws IOException {
        Map<String, Map<String, List<JsonNode>>> byLabel = QueueReport.group(lines, "variant");
        StringBuilder out = new StringBuilder();
        out.append("| workload | ")
                .append(baseName)
                .append(" | ")
                .append(headName)
                .append(" | jobs/s, head ÷ base | CPU per job, head ÷ base |\n");
        out.append("|---|---|---|---|---|\n");
        byLabel.forEach((label, byVariant) -> {
            List<JsonNode> base = byVariant.get("base");
            List<JsonNode> head = byVariant.get("head");
            boolean latency = head != null
                    && "latency".equals(head.get(0).path("workload").asText());
            out.append("| ").append(label);
            out.append(" | ").append(QueueReport.cell(base));
            out.append(" | ").append(QueueReport.cell(head));
            out.append(" | ")
                    .append(latency ? "p99 " + ratio(base, head, "p99Ms") : ratio(base, head, "jobsPerSecond"));
            out.append(" | ").append(ratio(base, head, "cpuMsPerJob"));
            out.append(" |\n");
        });
        out.append("\nMedians over the rounds (n = rounds per cell), the builds alternating in every round;")
                .append(" throughput in jobs/s, latency p50 / p99 in ms, CPU: the servers' user + system time per job,")
                .append(" summed over members.\n");
        return out.toString();
    }

    private static String ratio(List<JsonNode> base, List<JsonNode> head, String field) {
        if (base == null || head == null) {
            return "–";
        }
        double r = QueueReport.median(head, field) / QueueReport.median(base, field);
        return Double.isNaN(r) || Double.isInfinite(r) ? "–" : String.format(Locale.ROOT, "%.2f×", r);
    }
}
