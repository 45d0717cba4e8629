package io.corral.jepsen.report;

import io.corral.jepsen.history.Op;
import io.corral.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Pairs a history's invocations with their completions, and summarises the latencies. Pure: no I/O. */
final class Latencies {
    private Latencies() {}

    /**
     * One client operation from invocation to completion.
     *
     * @param f the operation
     * @param type how it completed: ok, fail or info
     * @param process the client process
     * @param invokeNanos when it was invoked, in history time
     * @param completeNanos when its completion was recorded, in history time
     */
    record Completion(String f, OpType type, int process, long invokeNanos, long completeNanos) {
        Completion {
            if (!type.completes()) {
                throw new IllegalArgumentException("a completion cannot be " + type);
            }
        }

        long latencyNanos() {
            return completeNanos - invokeNanos;
        }
    }

    /**
     * Latency percentiles of one operation's ok completions, in milliseconds.
     *
     * @param okCount how many ok completions they summarise
     */
    record Summary(long okCount, double p50Ms, double p95Ms, double p99Ms, double maxMs) {}

    /**
     * The completed client operations, in history order. A process has at most one operation open, so a completion
     * belongs to the last invocation of its process. The nemesis (negative processes) is not a client and is left
     * out; so are invocations that never completed and completions without an invocation, which a recorded {@link
     * io.corral.jepsen.history.History} never holds (it completes open operations as INFO when it closes).
     */
    static List<Completion> pair(List<Op> ops) {
        Map<Integer, Op> open = new HashMap<>();
        List<Completion> out = new ArrayList<>();
        for (Op op : ops) {
            if (op.process() < 0) {
                continue;
            }
            if (op.isInvoke()) {
                open.put(op.process(), op);
                continue;
            }
            Op invoked = open.remove(op.process());
            if (invoked != null) {
                out.add(new Completion(invoked.f(), op.type(), op.process(), invoked.timeNanos(), op.timeNanos()));
            }
        }
        return out;
    }

    /** Per operation, the latency percentiles of its ok completions; operations that never succeeded are absent. */
    static SortedMap<String, Summary> okSummaries(List<Completion> completions) {
        Map<String, List<Long>> byF = new HashMap<>();
        for (Completion c : completions) {
            if (c.type() == OpType.OK) {
                byF.computeIfAbsent(c.f(), k -> new ArrayList<>()).add(c.latencyNanos());
            }
        }
        SortedMap<String, Summary> out = new TreeMap<>();
        byF.forEach((f, latencies) -> out.put(f, summarise(latencies)));
        return out;
    }

    static Summary summarise(List<Long> latencyNanos) {
        long[] sorted =
                latencyNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Summary(
                sorted.length,
                millis(percentile(sorted, 0.50)),
                millis(percentile(sorted, 0.95)),
                millis(percentile(sorted, 0.99)),
                millis(sorted[sorted.length - 1]));
    }

    /**
     * The nearest-rank percentile: the smallest value with at least {@code q} of the values at or below it. It is
     * always one of the measured values, never an interpolation between two.
     *
     * @param sorted ascending, not empty
     * @param q in (0, 1]
     */
    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("q must be in (0, 1], got " + q);
        }
        // The epsilon keeps binary rounding from pushing an exact rank up by one (0.07 * 100 is 7.000000000000001).
        int rank = (int) Math.ceil(q * sorted.length - 1e-9);
        return sorted[Math.max(rank, 1) - 1];
    }

    /** Nanoseconds as milliseconds, to the microsecond: finer digits would be noise in a report. */
    static double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}
