package io.corral.worker.ops;

import io.corral.coordinator.cluster.MetricsScrape;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks what a PromQL expression refers to against real scrapes, without a PromQL parser (no promtool here): every
 * {@code corral_*} name must be exported, every label in a selector or a {@code by}/{@code without} list must exist,
 * and a label value asked for must occur, except on families whose label values depend on what happened (request
 * types, error codes, follower ids). Brackets and quotes must balance.
 */
final class PromQlReferences {
    /** Labels Prometheus adds to every series of a target. */
    private static final Set<String> TARGET_LABELS = Set.of("job", "instance");
    /** Families whose label values are whatever happened: only their label names are checked. */
    private static final List<String> OPEN_FAMILIES = List.of("corral_rpc_", "corral_raft_follower_");

    private static final Pattern NAME = Pattern.compile("(?<![\\w:\"])((?:corral_)[a-zA-Z0-9_:]*)");
    private static final Pattern SELECTOR = Pattern.compile("(corral_[a-zA-Z0-9_]+|\\bup)\\{([^}]*)}");
    private static final Pattern MATCHER = Pattern.compile("(\\w+)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");
    private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without|on|ignoring)\\s*\\(([^)]*)\\)");

    private final Set<String> names = new LinkedHashSet<>();
    private final Set<String> series = new LinkedHashSet<>();
    private final Set<String> labelNames = new LinkedHashSet<>(TARGET_LABELS);

    PromQlReferences(Collection<MetricsScrape> scrapes) {
        for (MetricsScrape s : scrapes) {
            names.addAll(s.names());
            series.addAll(s.samples().keySet());
        }
        Matcher m = Pattern.compile("[{,](\\w+)=\"").matcher(String.join("\n", series));
        while (m.find()) {
            labelNames.add(m.group(1));
        }
    }

    /** What is wrong with {@code expr}; empty when nothing is. */
    List<String> problems(String expr) {
        List<String> out = new ArrayList<>();
        balanced(expr, out);
        Matcher name = NAME.matcher(expr.replaceAll("\"[^\"]*\"", "\"\""));
        while (name.find()) {
            if (!names.contains(name.group(1))) {
                out.add("no metric " + name.group(1) + " is exported");
            }
        }
        Matcher selector = SELECTOR.matcher(expr);
        while (selector.find()) {
            Matcher matcher = MATCHER.matcher(selector.group(2));
            while (matcher.find()) {
                checkMatcher(selector.group(1), matcher.group(1), matcher.group(2), matcher.group(3), out);
            }
        }
        Matcher grouping = GROUPING.matcher(expr);
        while (grouping.find()) {
            for (String label : grouping.group(1).split(",")) {
                String l = label.strip();
                if (!l.isEmpty() && !labelNames.contains(l)) {
                    out.add("no exported series has the label " + l);
                }
            }
        }
        return out;
    }

    private void checkMatcher(String metric, String label, String op, String value, List<String> out) {
        if (TARGET_LABELS.contains(label) || metric.equals("up")) {
            return;
        }
        if (series.stream().noneMatch(s -> s.startsWith(metric + "{") && s.contains(label + "=\""))) {
            out.add(metric + " has no series with the label " + label);
            return;
        }
        boolean open = OPEN_FAMILIES.stream().anyMatch(metric::startsWith);
        if (open || op.startsWith("!")) {
            return;
        }
        for (String alternative : op.equals("=~") ? value.split("\\|") : new String[] {value}) {
            String wanted = label + "=\"" + alternative + "\"";
            if (series.stream().noneMatch(s -> s.startsWith(metric + "{") && s.contains(wanted))) {
                out.add(metric + " has no series with " + wanted);
            }
        }
    }

    private static void balanced(String expr, List<String> out) {
        int round = 0;
        int curly = 0;
        int square = 0;
        boolean quoted = false;
        for (char c : expr.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted) {
                round += c == '(' ? 1 : c == ')' ? -1 : 0;
                curly += c == '{' ? 1 : c == '}' ? -1 : 0;
                square += c == '[' ? 1 : c == ']' ? -1 : 0;
                if (round < 0 || curly < 0 || square < 0) {
                    out.add("a bracket closes before it opens");
                    return;
                }
            }
        }
        if (quoted || round != 0 || curly != 0 || square != 0) {
            out.add("unbalanced brackets or quotes");
        }
    }
}
