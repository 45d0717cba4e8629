package io.corral.jepsen.checker;

import io.corral.jepsen.history.History;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Checks that a history is linearizable with respect to a {@link Model}, one partition at a time
 * (P-compositionality), with the WGL search of {@link WglSearch}.
 *
 * <p>Linearizability checking is NP-complete, so every check is bounded: by a time limit shared fairly by the
 * partitions and by the size of the search cache. Reaching either ends in UNKNOWN for the partitions not decided, never in VALID. An
 * INVALID partition carries a counterexample: the operation the deepest branch of the search could not linearize,
 * the longest linearizable prefix before it (its last operations, with the state after each) and the operations
 * pending at that point.
 *
 * @param <S> the model's state type
 */
public final class LinearizabilityChecker<S> {
    /** Generous for the histories of a test run of a few minutes; a run that needs more says UNKNOWN. */
    public static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(60);
    /**
     * A cache entry costs roughly 400 bytes on a partition of a few hundred operations, so this keeps one search
     * under about 400 MB. Valid histories of a test run need thousands; only a search that is going to time out needs
     * more.
     */
    public static final int DEFAULT_MAX_CACHE_ENTRIES = 1_000_000;
    /** The end of the longest prefix is where the trouble is; its start only adds length. */
    private static final int PREFIX_SHOWN = 8;

    private final String name;
    private final Model<S> model;
    private final Duration timeLimit;
    private final LongSupplier clockNanos;
    private final int maxCacheEntries;

    public LinearizabilityChecker(String name, Model<S> model) {
        this(name, model, DEFAULT_TIME_LIMIT);
    }

    public LinearizabilityChecker(String name, Model<S> model, Duration timeLimit) {
        this(name, model, timeLimit, System::nanoTime, DEFAULT_MAX_CACHE_ENTRIES);
    }

    /** With an injected clock and cache bound, so tests can run out of either deterministically. */
    LinearizabilityChecker(
            String name, Model<S> model, Duration timeLimit, LongSupplier clockNanos, int maxCacheEntries) {
        if (timeLimit.isNegative() || maxCacheEntries < 1) {
            throw new IllegalArgumentException("need a time limit >= 0 and a cache of at least one entry");
        }
        this.name = name;
        this.model = model;
        this.timeLimit = timeLimit;
        this.clockNanos = clockNanos;
        this.maxCacheEntries = maxCacheEntries;
    }

    public CheckResult check(History history) {
        return check(Operation.pair(history));
    }

    public CheckResult check(List<Operation> operations) {
        Map<String, List<Operation>> partitions = new TreeMap<>();
        for (Operation op : operations) {
            if (model.includes(op)) {
                partitions
                        .computeIfAbsent(model.partition(op), k -> new ArrayList<>())
                        .add(op);
            }
        }
        CheckResult.Builder result = CheckResult.builder(name)
                .zero("partitions-valid", "partitions-invalid", "partitions-unknown")
                .count("partitions", partitions.size())
                .count("ops", partitions.values().stream().mapToLong(List::size).sum())
                .count(
                        "ops-info",
                        operations.stream()
                                .filter(model::includes)
                                .filter(Operation::isInfo)
                                .count());
        long deadlineNanos = clockNanos.getAsLong() + timeLimit.toNanos();
        int left = partitions.size();
        for (Map.Entry<String, List<Operation>> partition : partitions.entrySet()) {
            // A fair share of what is left, so one hard partition cannot starve the others; what an easy one does
            // not use goes to the next.
            long now = clockNanos.getAsLong();
            long share = Math.max(0, deadlineNanos - now) / left--;
            checkPartition(partition.getKey(), partition.getValue(), now + share, result);
        }
        return result.build();
    }

    private void checkPartition(String key, List<Operation> ops, long deadlineNanos, CheckResult.Builder result) {
        if (clockNanos.getAsLong() - deadlineNanos >= 0) {
            result.count("partitions-unknown", 1)
                    .unknown("not-checked", Maps.of("partition", key, "ops", ops.size(), "reason", "time limit"));
            return;
        }
        WglSearch.Result<S> r = new WglSearch<>(model, clockNanos, deadlineNanos, maxCacheEntries).run(ops);
        result.count("search-steps", r.steps()).count("cache-entries", r.cacheEntries());
        switch (r.outcome()) {
            case LINEARIZABLE -> result.count("partitions-valid", 1);
            case NOT_LINEARIZABLE ->
                result.count("partitions-invalid", 1).anomaly("not-linearizable", counterexample(key, ops, r.stuck()));
            case TIMED_OUT, CACHE_FULL -> {
                Map<String, Object> why = new LinkedHashMap<>();
                why.put("partition", key);
                why.put("ops", ops.size());
                why.put(
                        "reason",
                        r.outcome() == WglSearch.Outcome.TIMED_OUT
                                ? "its share of the time limit of " + timeLimit.toMillis() + " ms"
                                : "search cache reached " + maxCacheEntries + " entries");
                why.put("steps", r.steps());
                why.put(
                        "deepestPrefix",
                        r.stuck() == null ? 0 : r.stuck().prefix().size());
                result.count("partitions-unknown", 1).unknown("search-limit", why);
            }
        }
    }

    private static <S> Map<String, Object> counterexample(String key, List<Operation> ops, WglSearch.Stuck<S> stuck) {
        List<Map<String, Object>> tail = new ArrayList<>();
        int from = Math.max(0, stuck.prefix().size() - PREFIX_SHOWN);
        for (int i = from; i < stuck.prefix().size(); i++) {
            Map<String, Object> step = stuck.prefix().get(i).describe();
            step.put("stateAfter", String.valueOf(stuck.statesAfter().get(i)));
            tail.add(step);
        }
        List<Map<String, Object>> pending = new ArrayList<>();
        stuck.candidates().forEach(op -> pending.add(op.describe()));
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("partition", key);
        example.put("ops", ops.size());
        example.put(
                "cannotLinearize",
                stuck.blocked() == null ? null : stuck.blocked().describe());
        example.put("linearizedPrefixLength", stuck.prefix().size());
        example.put("prefixTail", tail);
        example.put("state", String.valueOf(stuck.state()));
        example.put("pendingTried", pending);
        return example;
    }
}
