package io.corral.jepsen.report;

import io.corral.jepsen.run.RunResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a run's report into its directory, next to the {@code seed}, {@code history.jsonl} and {@code logs/} the
 * runner writes: {@code results.json}, {@code latency.png}, {@code throughput.png} and {@code index.html}.
 */
public final class Reports {
    static final String RESULTS_JSON = "results.json";
    static final String LATENCY_PNG = "latency.png";
    static final String THROUGHPUT_PNG = "throughput.png";
    static final String INDEX_HTML = "index.html";

    private static final Logger log = LoggerFactory.getLogger(Reports.class);

    private Reports() {}

    /**
     * Writes the report. results.json comes first, as it is what tooling reads; a plot that cannot be drawn (a JDK
     * without fonts, say) is logged and explained on the page instead of costing the rest of the report.
     *
     * @throws UncheckedIOException if results.json or index.html cannot be written
     */
    public static void write(RunResult result) {
        Objects.requireNonNull(result, "result");
        Path dir = result.dir();
        ReportData data = ReportData.of(result);
        try {
            ResultsJson.write(result, data, dir.resolve(RESULTS_JSON));
            Map<String, String> plotErrors = new LinkedHashMap<>();
            plot(
                    LATENCY_PNG,
                    plotErrors,
                    () -> Charts.latency(
                            data.completions(), result.faults(), data.spanNanos(), dir.resolve(LATENCY_PNG)));
            plot(
                    THROUGHPUT_PNG,
                    plotErrors,
                    () -> Charts.throughput(
                            data.completions(), result.faults(), data.spanNanos(), dir.resolve(THROUGHPUT_PNG)));
            HtmlReport.write(result, data, plotErrors, dir.resolve(INDEX_HTML));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report into " + dir, e);
        }
    }

    private interface Plot {
        void draw() throws IOException;
    }

    private static void plot(String name, Map<String, String> errors, Plot plot) {
        try {
            plot.draw();
        } catch (IOException | RuntimeException | Error e) {
            // AWT reports a missing font or native library as an Error; only the JVM's own failures must go on.
            if (e instanceof VirtualMachineError) {
                throw (VirtualMachineError) e;
            }
            log.warn("cannot draw {}: {}", name, e.toString());
            errors.put(name, e.toString());
        }
    }
}
