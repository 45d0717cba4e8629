package io.corral.jepsen.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.checker.Validity;
import io.corral.jepsen.nemesis.NemesisSchedule;
import io.corral.jepsen.run.RunResult;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code index.html}: one self-contained page (inline style, no script, nothing fetched from elsewhere) that says
 * first whether the run was valid, then why. Every piece of text from the run is escaped: examples come from
 * histories, and a history may hold anything a client sent.
 */
final class HtmlReport {
    /** Files the runner and the report always write into the run's directory. */
    static final List<String> RUN_FILES = List.of("history.jsonl", "results.json", "seed");

    private static final String STYLE = "body{font-family:sans-serif;margin:2em;max-width:1250px;color:#222}"
            + "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;"
            + "text-align:left;vertical-align:top}th{background:#f3f3f3}td.n{text-align:right}"
            + ".verdict{font-size:3em;font-weight:bold;margin:.2em 0}.VALID{color:#1a7f37}"
            + ".INVALID{color:#cf222e}.UNKNOWN{color:#bf8700}pre{background:#f6f8fa;padding:.6em;overflow:auto;"
            + "max-height:30em}img{max-width:100%;border:1px solid #ddd;margin:.5em 0}";

    private HtmlReport() {}

    /**
     * @param plotErrors plot file name → why it could not be drawn; such a plot is replaced by the reason
     */
    static void write(RunResult result, ReportData data, Map<String, String> plotErrors, Path file) throws IOException {
        Files.writeString(file, render(result, data, plotErrors), StandardCharsets.UTF_8);
    }

    static String render(RunResult result, ReportData data, Map<String, String> plotErrors) throws IOException {
        Validity validity = result.verdict().validity();
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(esc(result.spec().name() + ": " + validity))
                .append("</title><style>")
                .append(STYLE)
                .append("</style></head><body>\n<h1>")
                .append(esc(result.spec().name()))
                .append("</h1>\n<div class=\"verdict ")
                .append(validity)
                .append("\">")
                .append(validity)
                .append("</div>\n");
        spec(h, result);
        files(h, result.dir());
        checkers(h, result.verdict());
        AvailabilityHtml.render(h, result.availability());
        examples(h, result.verdict());
        operations(h, data);
        plots(h, plotErrors);
        faults(h, result.faults());
        return h.append("</body></html>\n").toString();
    }

    private static void spec(StringBuilder h, RunResult result) {
        h.append("<h2>Run</h2>\n<table>");
        ResultsJson.spec(result.spec()).forEach((k, v) -> h.append("<tr><th>")
                .append(esc(k))
                .append("</th><td>")
                .append(esc(String.valueOf(v)))
                .append("</td></tr>"));
        h.append("</table>\n");
    }

    private static void files(StringBuilder h, Path dir) throws IOException {
        h.append("<h2>Files</h2>\n<ul>");
        List<String> links = new ArrayList<>(RUN_FILES);
        links.addAll(logs(dir));
        for (String f : links) {
            h.append("<li><a href=\"")
                    .append(esc(href(f)))
                    .append("\">")
                    .append(esc(f))
                    .append("</a></li>");
        }
        h.append("</ul>\n");
    }

    /** Every file under {@code logs/}, relative to the run's directory, with '/' between names. */
    static List<String> logs(Path dir) throws IOException {
        Path logs = dir.resolve("logs");
        if (!Files.isDirectory(logs)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(logs)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p)
                            .toString()
                            .replace(p.getFileSystem().getSeparator(), "/"))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    private static void checkers(StringBuilder h, CheckResult verdict) {
        h.append("<h2>Checkers</h2>\n<table><tr><th>checker</th><th>validity</th><th>counts</th></tr>");
        for (Flat r : flatten(verdict)) {
            String counts = r.result().counts().entrySet().stream()
                    .map(e -> esc(e.getKey()) + "&nbsp;" + e.getValue())
                    .collect(Collectors.joining(", "));
            h.append("<tr><td>")
                    .append(esc(r.path()))
                    .append("</td><td class=\"")
                    .append(r.result().validity())
                    .append("\">")
                    .append(r.result().validity())
                    .append("</td><td>")
                    .append(counts)
                    .append("</td></tr>");
        }
        h.append("</table>\n");
    }

    private static void examples(StringBuilder h, CheckResult verdict) throws JsonProcessingException {
        h.append("<h2>Examples</h2>\n<p>What the checkers kept of each anomaly, and of what they noted.</p>\n");
        boolean any = false;
        for (Flat r : flatten(verdict)) {
            for (Map.Entry<String, List<Map<String, Object>>> e :
                    r.result().examples().entrySet()) {
                any = true;
                h.append("<h3>")
                        .append(esc(r.path() + ": " + e.getKey()))
                        .append(" <small>(")
                        .append(r.result().count(e.getKey()))
                        .append(" seen, ")
                        .append(e.getValue().size())
                        .append(" shown)</small></h3>\n<pre>")
                        .append(esc(ResultsJson.JSON.writeValueAsString(e.getValue())))
                        .append("</pre>\n");
            }
        }
        if (!any) {
            h.append("<p>None.</p>\n");
        }
    }

    private static void operations(StringBuilder h, ReportData data) {
        h.append("<h2>Operations</h2>\n<table><tr><th>f</th><th>ok</th><th>fail</th><th>info</th>"
                + "<th>ok p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>");
        data.counts().forEach((f, counts) -> {
            h.append("<tr><td>").append(esc(f)).append("</td>");
            counts.values().forEach(n -> h.append("<td class=\"n\">").append(n).append("</td>"));
            Latencies.Summary s = data.latencies().get(f);
            for (double ms : s == null ? new double[0] : new double[] {s.p50Ms(), s.p95Ms(), s.p99Ms(), s.maxMs()}) {
                h.append("<td class=\"n\">")
                        .append(String.format(Locale.ROOT, "%.1f", ms))
                        .append("</td>");
            }
            h.append(s == null ? "<td colspan=\"4\">no ok completion</td>" : "").append("</tr>");
        });
        h.append("</table>\n");
    }

    private static void plots(StringBuilder h, Map<String, String> plotErrors) {
        h.append("<h2>Plots</h2>\n<p>Faults are shaded.</p>\n");
        for (String png : List.of(Reports.LATENCY_PNG, Reports.THROUGHPUT_PNG)) {
            String error = plotErrors.get(png);
            if (error == null) {
                h.append("<p><img src=\"")
                        .append(esc(href(png)))
                        .append("\" alt=\"")
                        .append(esc(png))
                        .append("\"></p>\n");
            } else {
                h.append("<p>")
                        .append(esc(png))
                        .append(" could not be drawn: ")
                        .append(esc(error))
                        .append("</p>\n");
            }
        }
    }

    private static void faults(StringBuilder h, List<NemesisSchedule.Period> faults) throws JsonProcessingException {
        h.append("<h2>Faults</h2>\n");
        if (faults.isEmpty()) {
            h.append("<p>None injected.</p>\n");
            return;
        }
        h.append("<table><tr><th>#</th><th>kind</th><th>start s</th><th>end s</th><th>duration s</th>"
                + "<th>detail</th></tr>");
        int i = 1;
        for (Map<String, Object> f : ResultsJson.faults(faults)) {
            double start = (double) f.get("startSeconds");
            double end = (double) f.get("endSeconds");
            h.append("<tr><td class=\"n\">").append(i++).append("</td><td>").append(esc((String) f.get("kind")));
            for (double s : new double[] {start, end, end - start}) {
                h.append("</td><td class=\"n\">").append(String.format(Locale.ROOT, "%.1f", s));
            }
            h.append("</td><td><code>")
                    .append(esc(ResultsJson.COMPACT.writeValueAsString(f.get("detail"))))
                    .append("</code></td></tr>");
        }
        h.append("</table>\n");
    }

    /** A checker's result with its place in the tree, e.g. {@code "run / queue"}. */
    private record Flat(String path, CheckResult result) {}

    private static List<Flat> flatten(CheckResult root) {
        List<Flat> out = new ArrayList<>();
        flatten(root, root.name(), out);
        return out;
    }

    private static void flatten(CheckResult r, String path, List<Flat> out) {
        out.add(new Flat(path, r));
        for (CheckResult part : r.parts()) {
            flatten(part, path + " / " + part.name(), out);
        }
    }

    /** A relative link to a file of the run: each name percent-encoded, '/' kept. */
    static String href(String relative) {
        return Stream.of(relative.split("/"))
                .map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"))
                .collect(Collectors.joining("/"));
    }

    /** Text as HTML, safe inside elements and quoted attributes. */
    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&':
                    out.append("&amp;");
                    break;
                case '<':
                    out.append("&lt;");
                    break;
                case '>':
                    out.append("&gt;");
                    break;
                case '"':
                    out.append("&quot;");
                    break;
                case '\'':
                    out.append("&#39;");
                    break;
                default:
                    out.append(c);
            }
        }
        return out.toString();
    }
}
