package io.corral.coordinator.cluster;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One {@code GET /metrics} of a real server, parsed: samples by series ({@code name{labels}} exactly as written) and
 * the metric names a PromQL expression may use (each family, with {@code _bucket}, {@code _sum} and {@code _count}
 * for histograms). Shared with the worker module's tests through the test jar.
 */
public record MetricsScrape(String text, Map<String, Double> samples, Set<String> names) {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public static MetricsScrape of(InetSocketAddress http) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.getPort() + "/metrics"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics answered " + r.statusCode() + ": " + r.body());
        }
        return parse(r.body());
    }

    /**
     * Parses a scrape and checks the exposition format's grouping rule: every sample follows its own family's TYPE
     * line (a histogram's as {@code _bucket}, {@code _sum}, {@code _count}), and no family appears twice.
     */
    public static MetricsScrape parse(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        Set<String> names = new LinkedHashSet<>();
        Set<String> families = new LinkedHashSet<>();
        Set<String> current = Set.of();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                if (!families.add(parts[2])) {
                    throw new AssertionError("family " + parts[2] + " appears twice:\n" + text);
                }
                current = parts[3].equals("histogram")
                        ? Set.of(parts[2] + "_bucket", parts[2] + "_sum", parts[2] + "_count")
                        : Set.of(parts[2]);
                names.add(parts[2]);
                names.addAll(current);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                String series = line.substring(0, space);
                int brace = series.indexOf('{');
                String name = brace < 0 ? series : series.substring(0, brace);
                if (!current.contains(name)) {
                    throw new AssertionError("sample " + series + " is not under its own TYPE line:\n" + text);
                }
                samples.put(series, Double.parseDouble(line.substring(space + 1)));
            }
        }
        return new MetricsScrape(text, samples, names);
    }

    /** The value of one series; fails when it is missing. */
    public double value(String series) {
        Double v = samples.get(series);
        if (v == null) {
            throw new AssertionError("no series " + series + " in the scrape:\n" + text);
        }
        return v;
    }

    /** The value of one series, 0 when it is missing. */
    public double valueOrZero(String series) {
        return samples.getOrDefault(series, 0.0);
    }

    /** Whether any series of the family {@code name} has a sample. */
    public boolean hasSamples(String name) {
        return samples.keySet().stream().anyMatch(s -> s.equals(name) || s.startsWith(name + "{"));
    }
}
