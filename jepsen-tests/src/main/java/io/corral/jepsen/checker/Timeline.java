package io.corral.jepsen.checker;

import io.corral.jepsen.history.History;
import io.corral.jepsen.history.Op;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A run's client writes and faults laid out in time for the {@link AvailabilityChecker}: the writes of each client
 * thread, the recovery window after each heal, and the quiet spells. All times are history nanoseconds.
 *
 * @param faults sorted by start
 * @param finalHealNanos when everything was healed after the fault phase, negative when never
 * @param endNanos the last moment the history covers
 * @param byClient client ({@link #clientOf}) → its writes in invocation order
 */
record Timeline(
        List<FaultPeriod> faults,
        long finalHealNanos,
        long endNanos,
        long boundNanos,
        SortedMap<String, List<Operation>> byClient) {

    /**
     * The recovery window after one heal: from {@code healNanos} for the bound, or until {@code cutBy} came first.
     *
     * @param cutBy the next fault's kind, {@link AvailabilityChecker#FINAL_HEAL} or "end of the history" when the
     *     window is shorter than the bound; null when it lasts the whole bound
     */
    record Window(String kind, long healNanos, long endNanos, String cutBy) {}

    static final String END_OF_HISTORY = "end of the history";

    static Timeline of(History history, List<FaultPeriod> faults, long finalHealNanos, long boundNanos, int clients) {
        List<Op> ops = history.ops();
        long end = Math.max(finalHealNanos, 0);
        for (Op op : ops) {
            end = Math.max(end, op.timeNanos());
        }
        SortedMap<String, List<Operation>> byClient = new TreeMap<>();
        for (Operation op : Operation.pair(ops)) {
            if (AvailabilityChecker.WRITES.contains(op.f())) {
                byClient.computeIfAbsent(clientOf(op, clients), c -> new ArrayList<>())
                        .add(op);
            }
        }
        byClient.values().forEach(l -> l.sort(Comparator.comparingLong(Operation::invokeNanos)));
        List<FaultPeriod> sorted = new ArrayList<>(faults);
        sorted.sort(Comparator.comparingLong(FaultPeriod::startNanos));
        return new Timeline(List.copyOf(sorted), finalHealNanos, end, boundNanos, byClient);
    }

    /**
     * Who made a write: {@code "probe-MEMBER"} for a member's probe, else {@code "client-T"} for workload thread {@code
     * T}, which is process {@code T}, then {@code T + clients}, ... (a thread goes on as a new process after an INFO).
     */
    static String clientOf(Operation op, int clients) {
        if (op.f().equals(AvailabilityChecker.PROBE)) {
            return "probe-" + op.invoke().string("member");
        }
        return "client-" + Math.floorMod(op.process(), clients);
    }

    /** When the client learned the outcome; the end of the history for an operation that never completed. */
    long doneNanos(Operation op) {
        return op.completion() == null ? endNanos : op.completion().timeNanos();
    }

    long writes() {
        return byClient.values().stream().mapToLong(List::size).sum();
    }

    /** One window per heal (each fault's end, then the final heal), in time order. */
    List<Window> windows() {
        List<Window> out = new ArrayList<>();
        for (FaultPeriod f : faults) {
            out.add(window(f.kind(), f.endNanos(), f));
        }
        if (finalHealNanos >= 0) {
            out.add(window(AvailabilityChecker.FINAL_HEAL, finalHealNanos, null));
        }
        out.sort(Comparator.comparingLong(Window::healNanos));
        return out;
    }

    /**
     * The window ends at the bound, or earlier at the first moment after the heal when another fault is in place (a
     * fault still in place at the heal ends it at once), at the final heal, or at the end of the history.
     */
    private Window window(String kind, long healNanos, FaultPeriod healed) {
        long end = healNanos + boundNanos;
        String cutBy = null;
        for (FaultPeriod other : faults) {
            long from = Math.max(other.startNanos(), healNanos);
            if (other != healed && other.endNanos() > healNanos && from < end) {
                end = from;
                cutBy = other.kind();
            }
        }
        if (healed != null && finalHealNanos > healNanos && finalHealNanos < end) {
            end = finalHealNanos;
            cutBy = AvailabilityChecker.FINAL_HEAL;
        }
        if (endNanos < end) {
            end = Math.max(healNanos, endNanos);
            cutBy = END_OF_HISTORY;
        }
        return new Window(kind, healNanos, end, cutBy);
    }

    /**
     * The quiet spells: the history's time minus, for every fault, its time in place and the bound after its heal,
     * and minus the bound after the final heal. Each spell is {@code [start, end)}.
     */
    List<long[]> quietSpells() {
        List<long[]> busy = new ArrayList<>();
        for (FaultPeriod f : faults) {
            busy.add(new long[] {f.startNanos(), f.endNanos() + boundNanos});
        }
        if (finalHealNanos >= 0) {
            busy.add(new long[] {finalHealNanos, finalHealNanos + boundNanos});
        }
        busy.sort(Comparator.comparingLong(b -> b[0]));
        List<long[]> quiet = new ArrayList<>();
        long from = 0;
        for (long[] b : busy) {
            if (b[0] > from) {
                quiet.add(new long[] {from, Math.min(b[0], endNanos)});
            }
            from = Math.max(from, b[1]);
        }
        if (from < endNanos) {
            quiet.add(new long[] {from, endNanos});
        }
        quiet.removeIf(q -> q[1] <= q[0]);
        return quiet;
    }

    long quietNanos() {
        return quietSpells().stream().mapToLong(q -> q[1] - q[0]).sum();
    }

    /** The writes that started and ended within one quiet spell, in client order. */
    List<Operation> quietWrites() {
        List<long[]> spells = quietSpells();
        List<Operation> out = new ArrayList<>();
        for (List<Operation> ops : byClient.values()) {
            for (Operation op : ops) {
                long start = op.invokeNanos();
                long done = doneNanos(op);
                if (spells.stream().anyMatch(q -> q[0] <= start && done <= q[1])) {
                    out.add(op);
                }
            }
        }
        return out;
    }

    /** Every fault's kind → its periods, for callers that want them grouped. */
    Map<String, List<FaultPeriod>> faultsByKind() {
        Map<String, List<FaultPeriod>> out = new LinkedHashMap<>();
        faults.forEach(
                f -> out.computeIfAbsent(f.kind(), k -> new ArrayList<>()).add(f));
        return out;
    }
}
