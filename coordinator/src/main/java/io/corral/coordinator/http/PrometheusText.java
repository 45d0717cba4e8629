package io.corral.coordinator.http;

import java.util.Locale;
import java.util.Map;

/** Builds Prometheus text exposition format (version 0.0.4) by hand: a few gauges, counters and histograms. */
public final class PrometheusText {
    private final StringBuilder out = new StringBuilder(4096);

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

    public PrometheusText histogram(String name, Map<String, String> labels, Histogram h) {
        for (int i = 0; i < Histogram.BUCKETS_SECONDS.length; i++) {
            Map<String, String> withLe = new java.util.LinkedHashMap<>(labels);
            withLe.put("le", format(Histogram.BUCKETS_SECONDS[i]));
            sample(name + "_bucket", withLe, h.cumulative(i));
        }
        Map<String, String> inf = new java.util.LinkedHashMap<>(labels);
        inf.put("le", "+Inf");
        sample(name + "_bucket", inf, h.count());
        sample(name + "_sum", labels, h.sum());
        sample(name + "_count", labels, h.count());
        return this;
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
