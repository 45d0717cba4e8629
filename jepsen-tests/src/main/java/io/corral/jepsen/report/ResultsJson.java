package io.corral.jepsen.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.corral.jepsen.checker.Validity;
import io.corral.jepsen.nemesis.NemesisSchedule;
import io.corral.jepsen.run.RunResult;
import io.corral.jepsen.run.RunSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code results.json}: the verdict with every checker's result, the spec, the faults, the availability figures and the
 * operation statistics.
 */
final class ResultsJson {
    /**
     * Pretty-printed for people reading it. Examples come from histories and may hold any value; an object Jackson
     * sees no property in is written as {} rather than failing the report.
     */
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    /** One line, for small values in table cells. */
    static final ObjectMapper COMPACT = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private ResultsJson() {}

    static void write(RunResult result, ReportData data, Path file) throws IOException {
        JSON.writeValue(file.toFile(), tree(result, data));
    }

    /** The document as maps and lists, in the order a reader looks for things. */
    static Map<String, Object> tree(RunResult result, ReportData data) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("valid", valid(result.verdict().validity()));
        root.put("spec", spec(result.spec()));
        root.put("verdict", result.verdict());
        root.put("faults", faults(result.faults()));
        if (result.availability() != null) {
            root.put("availability", result.availability());
        }
        root.put("counts", data.counts());
        root.put("latency", data.latencies());
        return root;
    }

    /** As in Jepsen: true, false, or "unknown" when a checker could not decide. */
    static Object valid(Validity validity) {
        switch (validity) {
            case VALID:
                return true;
            case INVALID:
                return false;
            default:
                return "unknown";
        }
    }

    static Map<String, Object> spec(RunSpec spec) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", spec.name());
        m.put("workload", spec.workload());
        m.put("nemeses", spec.nemeses());
        m.put("seconds", spec.seconds());
        m.put("coordinators", spec.coordinators());
        m.put("workers", spec.workers());
        m.put("clients", spec.clients());
        m.put("seed", spec.seed());
        m.put("image", spec.image());
        m.put("recoveryBoundMs", spec.recoveryBoundMs());
        m.put("quietSuccessMin", spec.quietSuccessMin());
        return m;
    }

    static List<Map<String, Object>> faults(List<NemesisSchedule.Period> faults) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (NemesisSchedule.Period p : faults) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", p.kind());
            m.put("startSeconds", seconds(p.startNanos()));
            m.put("endSeconds", seconds(p.endNanos()));
            m.put("detail", p.detail() == null ? Map.of() : p.detail());
            out.add(m);
        }
        return out;
    }

    /** Nanoseconds as seconds, to the millisecond. */
    static double seconds(long nanos) {
        return Math.round(nanos / 1_000_000.0) / 1_000.0;
    }
}
