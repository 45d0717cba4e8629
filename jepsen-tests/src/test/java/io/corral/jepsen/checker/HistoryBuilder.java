package io.corral.jepsen.checker;

import io.corral.jepsen.history.History;
import io.corral.jepsen.history.Op;
import io.corral.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hand-written histories: each operation is written once with its interval in milliseconds; {@link #build()} orders
 * the entries by time and numbers them, as {@link History} would have recorded them.
 */
final class HistoryBuilder {
    private record Entry(
            long timeNanos, int seq, int process, OpType type, String f, Map<String, Object> value, String error) {}

    private final List<Entry> entries = new ArrayList<>();

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    HistoryBuilder op(
            int process,
            String f,
            Map<String, Object> args,
            double startMs,
            OpType outcome,
            Map<String, Object> result,
            double endMs) {
        return op(process, f, args, startMs, outcome, result, endMs, null);
    }

    /** An operation whose completion carries an error, e.g. {@code "UNAVAILABLE: no leader"}. */
    HistoryBuilder op(
            int process,
            String f,
            Map<String, Object> args,
            double startMs,
            OpType outcome,
            Map<String, Object> result,
            double endMs,
            String error) {
        if (endMs < startMs) {
            throw new IllegalArgumentException("ends before it starts");
        }
        entries.add(new Entry(nanos(startMs), entries.size(), process, OpType.INVOKE, f, args, null));
        entries.add(new Entry(nanos(endMs), entries.size(), process, outcome, f, result, error));
        return this;
    }

    /** An invocation that never completes (the history ends first). */
    HistoryBuilder open(int process, String f, Map<String, Object> args, double startMs) {
        entries.add(new Entry(nanos(startMs), entries.size(), process, OpType.INVOKE, f, args, null));
        return this;
    }

    HistoryBuilder nemesis(String f, double atMs) {
        return op(-1, f, Map.of(), atMs, OpType.OK, Map.of(), atMs);
    }

    HistoryBuilder acquireOk(int p, String lock, String owner, long ttlMs, long token, double s, double e) {
        return op(
                p,
                "acquire",
                lockArgs(lock, owner, ttlMs),
                s,
                OpType.OK,
                map("lock", lock, "owner", owner, "ttlMs", ttlMs, "token", token),
                e);
    }

    HistoryBuilder acquireFail(int p, String lock, String owner, long ttlMs, double s, double e) {
        return op(p, "acquire", lockArgs(lock, owner, ttlMs), s, OpType.FAIL, map("lock", lock, "owner", owner), e);
    }

    HistoryBuilder acquireInfo(int p, String lock, String owner, long ttlMs, double s, double e) {
        return op(p, "acquire", lockArgs(lock, owner, ttlMs), s, OpType.INFO, Map.of(), e);
    }

    HistoryBuilder release(int p, OpType outcome, String lock, String owner, long token, double s, double e) {
        Map<String, Object> args = map("lock", lock, "owner", owner, "token", token);
        return op(p, "release", args, s, outcome, outcome == OpType.INFO ? Map.of() : args, e);
    }

    HistoryBuilder renew(int p, OpType outcome, String lock, String owner, long token, double s, double e) {
        Map<String, Object> args = map("lock", lock, "owner", owner, "token", token);
        return op(p, "renew", args, s, outcome, outcome == OpType.INFO ? Map.of() : args, e);
    }

    History build() {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::timeNanos).thenComparingInt(Entry::seq));
        List<Op> ops = new ArrayList<>();
        for (Entry e : sorted) {
            ops.add(new Op(ops.size(), e.process(), e.type(), e.f(), e.value(), e.timeNanos(), e.error()));
        }
        return History.of(ops);
    }

    List<Operation> operations() {
        return Operation.pair(build());
    }

    private static Map<String, Object> lockArgs(String lock, String owner, long ttlMs) {
        return map("lock", lock, "owner", owner, "ttlMs", ttlMs);
    }

    private static long nanos(double ms) {
        return Math.round(ms * 1_000_000);
    }
}
