package io.corral.jepsen.report;

import io.corral.jepsen.history.Op;
import io.corral.jepsen.history.OpType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** How client operations ended, per operation. Pure: no I/O. */
final class OpCounts {
    /** The completion types in the order a reader expects them. */
    static final List<OpType> COMPLETIONS = List.of(OpType.OK, OpType.FAIL, OpType.INFO);

    private OpCounts() {}

    /**
     * f → {ok, fail, info} → completions of that type. All three types are present, with 0 when none happened, so a
     * reader sees that, say, no operation was indeterminate. The nemesis (negative processes) is left out.
     */
    static SortedMap<String, Map<String, Long>> byF(List<Op> ops) {
        SortedMap<String, Map<String, Long>> out = new TreeMap<>();
        for (Op op : ops) {
            if (op.process() < 0 || op.isInvoke()) {
                continue;
            }
            out.computeIfAbsent(op.f(), f -> zeros()).merge(name(op.type()), 1L, Long::sum);
        }
        return out;
    }

    /** The lower-case name used in results.json and on the plots, as in Jepsen: ok, fail, info. */
    static String name(OpType type) {
        return type.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static Map<String, Long> zeros() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (OpType t : COMPLETIONS) {
            m.put(name(t), 0L);
        }
        return m;
    }
}
