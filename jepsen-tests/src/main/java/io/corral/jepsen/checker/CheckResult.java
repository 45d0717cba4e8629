package io.corral.jepsen.checker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The outcome of one checker, shaped for {@code results.json}: a verdict, counts of what was seen (anomalies that
 * must be zero are present with 0, so a reader sees that they were checked), and a few examples of each anomaly so
 * that a failure can be understood without the whole history. A combined result keeps its parts.
 *
 * @param name what was checked, e.g. {@code "queue"}
 * @param validity the verdict
 * @param counts name → count, sorted by name
 * @param examples anomaly name → at most {@link Builder#maxExamples()} examples, each a small JSON-able map
 * @param parts the results this one combines, empty for a single checker
 */
@JsonPropertyOrder({"name", "validity", "counts", "examples", "parts"})
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record CheckResult(
        String name,
        Validity validity,
        SortedMap<String, Long> counts,
        SortedMap<String, List<Map<String, Object>>> examples,
        List<CheckResult> parts) {

    /** Enough examples to see a pattern; more would only bloat results.json. */
    public static final int DEFAULT_MAX_EXAMPLES = 10;

    public CheckResult {
        if (name == null || validity == null) {
            throw new IllegalArgumentException("a result needs a name and a validity");
        }
        counts = Collections.unmodifiableSortedMap(new TreeMap<>(counts == null ? Map.of() : counts));
        SortedMap<String, List<Map<String, Object>>> copy = new TreeMap<>();
        if (examples != null) {
            examples.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        }
        examples = Collections.unmodifiableSortedMap(copy);
        parts = parts == null ? List.of() : List.copyOf(parts);
    }

    public static Builder builder(String name) {
        return new Builder(name, DEFAULT_MAX_EXAMPLES);
    }

    public static Builder builder(String name, int maxExamples) {
        return new Builder(name, maxExamples);
    }

    /**
     * Several results as one: the verdict is the worst of theirs (INVALID, then UNKNOWN, then VALID); counts and
     * examples stay in the parts, where they mean something.
     */
    public static CheckResult combine(String name, List<CheckResult> parts) {
        Validity validity = Validity.VALID;
        for (CheckResult part : parts) {
            validity = validity.and(part.validity());
        }
        return new CheckResult(name, validity, new TreeMap<>(), new TreeMap<>(), parts);
    }

    /** A count, 0 when absent. */
    public long count(String key) {
        return counts.getOrDefault(key, 0L);
    }

    /**
     * What is wrong, for a failure message: one line per result that is not VALID (this one or its parts, depth
     * first) with its counts and the first example of each anomaly. Empty when everything is valid.
     */
    public String failures() {
        StringBuilder out = new StringBuilder();
        appendFailures(out);
        return out.toString();
    }

    private void appendFailures(StringBuilder out) {
        if (validity == Validity.VALID) {
            return;
        }
        if (parts.isEmpty()) {
            out.append(name).append(": ").append(validity).append(' ').append(counts);
            examples.forEach((kind, list) -> {
                if (!list.isEmpty()) {
                    out.append("; ").append(kind).append(" e.g. ").append(list.get(0));
                }
            });
            out.append('\n');
        }
        parts.forEach(p -> p.appendFailures(out));
    }

    /** The examples kept for an anomaly, empty when none. */
    public List<Map<String, Object>> examplesOf(String anomaly) {
        return examples.getOrDefault(anomaly, List.of());
    }

    /** Accumulates counts and examples; the verdict follows from what was added. */
    public static final class Builder {
        private final String name;
        private final int maxExamples;
        private final SortedMap<String, Long> counts = new TreeMap<>();
        private final SortedMap<String, List<Map<String, Object>>> examples = new TreeMap<>();
        private final List<CheckResult> parts = new ArrayList<>();
        private Validity validity = Validity.VALID;

        private Builder(String name, int maxExamples) {
            if (maxExamples < 0) {
                throw new IllegalArgumentException("maxExamples must be >= 0, got " + maxExamples);
            }
            this.name = name;
            this.maxExamples = maxExamples;
        }

        public int maxExamples() {
            return maxExamples;
        }

        /** Adds to a count, creating it: {@code count("lost", 0)} records that losses were checked for. */
        public Builder count(String key, long delta) {
            counts.merge(key, delta, Long::sum);
            return this;
        }

        /** Declares counts that must appear even when nothing was seen. */
        public Builder zero(String... keys) {
            for (String key : keys) {
                counts.putIfAbsent(key, 0L);
            }
            return this;
        }

        /** Something that breaks a promise: counted, kept as an example, and the result is INVALID. */
        public Builder anomaly(String kind, Map<String, Object> example) {
            validity = Validity.INVALID;
            return note(kind, example);
        }

        /** {@code n} occurrences of an anomaly shown by one example, e.g. a task whose result was committed 3 times. */
        public Builder anomaly(String kind, long n, Map<String, Object> example) {
            validity = Validity.INVALID;
            return note(kind, n, example);
        }

        /** Something worth reporting that breaks nothing (a recovered submission, a duplicate execution). */
        public Builder note(String kind, Map<String, Object> example) {
            return note(kind, 1, example);
        }

        public Builder note(String kind, long n, Map<String, Object> example) {
            count(kind, n);
            List<Map<String, Object>> kept = examples.computeIfAbsent(kind, k -> new ArrayList<>());
            if (kept.size() < maxExamples) {
                kept.add(Collections.unmodifiableMap(new LinkedHashMap<>(example)));
            }
            return this;
        }

        /** The check could not decide; an INVALID verdict still stands. */
        public Builder unknown(String kind, Map<String, Object> example) {
            validity = validity.and(Validity.UNKNOWN);
            return note(kind, example);
        }

        /** Folds in a sub-check's result; its verdict counts towards this one. */
        public Builder part(CheckResult part) {
            validity = validity.and(part.validity());
            parts.add(part);
            return this;
        }

        public Validity validity() {
            return validity;
        }

        public CheckResult build() {
            return new CheckResult(name, validity, counts, examples, parts);
        }
    }
}
