package io.corral.jepsen.report;

import io.corral.jepsen.history.OpType;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Completions per time bucket, per operation and completion type. Pure: no I/O. */
final class Throughput {
    static final long BUCKET_NANOS = 1_000_000_000L;

    private Throughput() {}

    /**
     * f → type → completions in each bucket of {@link #BUCKET_NANOS}, bucket {@code i} covering {@code [i, i + 1)}
     * buckets from the start of the run. Every series has the same length, enough to cover {@code spanNanos} and
     * every completion, and holds zeros where nothing completed: a fault that stops all progress shows as a drop to
     * zero rather than as a gap.
     */
    static SortedMap<String, Map<OpType, long[]>> perBucket(List<Latencies.Completion> completions, long spanNanos) {
        long end = spanNanos;
        for (Latencies.Completion c : completions) {
            end = Math.max(end, c.completeNanos() + 1);
        }
        int buckets = (int) Math.max(1, (end + BUCKET_NANOS - 1) / BUCKET_NANOS);
        SortedMap<String, Map<OpType, long[]>> out = new TreeMap<>();
        for (Latencies.Completion c : completions) {
            long[] series = out.computeIfAbsent(c.f(), f -> new EnumMap<>(OpType.class))
                    .computeIfAbsent(c.type(), t -> new long[buckets]);
            // A completion at a negative time cannot be recorded by History; counting it in the first bucket keeps a
            // hand-edited history drawable.
            series[(int) (Math.max(0, c.completeNanos()) / BUCKET_NANOS)]++;
        }
        return out;
    }
}
