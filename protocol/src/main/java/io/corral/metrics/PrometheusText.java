package io.corral.metrics;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Builds Prometheus text exposition format (version 0.0.4) by hand: a few gauges, counters and histograms. Every
 * family gets its HELP and TYPE lines even when it has no sample yet, so a scrape always names every metric the
 * process exports (the ops artefacts are checked against that list).
 */
public final class PrometheusText {
    /** The Content-Type of a scrape. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(8192);

    public PrometheusText header(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    public PrometheusText sample(String name, Map<String, String> labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, String> l : labels.entrySet()) {
                out.append(first ? "" : ",")
                        .append(l.getKey())
                        .append("=\"")
                        .append(escape(l.getValue()))
                        .append('"');
                first = false;
            }
            out.append('}');
        }
        out.append(' ').append(format(value)).append('\n');
        return this;
    }

    public PrometheusText gauge(String name, String help, double value) {
        return header(name, "gauge", help).sample(name, Map.of(), value);
    }

    /** A counter without labels; {@code name} ends in {@code _total}. */
    public PrometheusText counter(String name, String help, double value) {
        return header(name, "counter", help).sample(name, Map.of(), value);
    }

    /** The samples of one histogram series (write the family's header once, before its series). */
    public PrometheusText histogram(String name, Map<String, String> labels, Histogram h) {
        for (int i = 0; i < h.buckets(); i++) {
            Map<String, String> withLe = new LinkedHashMap<>(labels);
            withLe.put("le", format(h.bucket(i)));
            sample(name + "_bucket", withLe, h.cumulative(i));
        }
        Map<String, String> inf = new LinkedHashMap<>(labels);
        inf.put("le", "+Inf");
        sample(name + "_bucket", inf, h.count());
        sample(name + "_sum", labels, h.sum());
        sample(name + "_count", labels, h.count());
        return this;
    }

    /** A histogram family with one unlabelled series. */
    public PrometheusText histogram(String name, String help, Histogram h) {
        return header(name, "histogram", help).histogram(name, Map.of(), h);
    }

    private static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%s", v);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
