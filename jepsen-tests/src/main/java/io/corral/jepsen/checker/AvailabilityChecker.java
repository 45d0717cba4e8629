package io.corral.jepsen.checker;

import io.corral.jepsen.history.History;
import io.corral.jepsen.history.Op;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Promise 7, "faults end": liveness of a fault run, judged from the history of client writes, the faults and (for the
 * queue) the final state. A run that is safe but leaves a member unable to write passes every other checker, since
 * they judge only what finally happened; this one judges whether the cluster kept answering.
 *
 * <p>Only writes count ({@link #WRITES}): they are what goes through the write path that a member can lose. A write
 * is <em>answered</em> or not as {@link Answers} says. The rules, each INVALID when broken:
 *
 * <ul>
 *   <li>"not-recovered-within-bound": after every heal, every client that writes in the recovery window gets a write
 *       answered within it. The window starts at the heal and lasts the recovery bound, unless another fault starts
 *       (or the final heal happens) first: then it ends there, and a client that got no answer before that is not judged
 *       for this heal ("cut-short"): the next fault may keep it down, and its own heal's window judges it. The final
 *       heal, after the fault phase, always has a whole window: the clients keep writing for the bound and more.
 *   <li>"quiet-success-below-min": of the writes made in quiet spells (no fault in place, at least the bound since the
 *       last heal), at least the given share are answered.
 *   <li>"task-not-terminal": every task of the queue's final state is terminal (read after the settle).
 * </ul>
 *
 * Figures, not rules: per fault kind the longest unavailability of a client (see {@link Availability.Kind}); the
 * recovery rule is what bounds them.
 */
public final class AvailabilityChecker {
    public static final String NAME = "availability";
    /** The operation of a member's probe client; its {@code member} value names the coordinator it is tied to. */
    public static final String PROBE = "probe";
    /** The harness's fenced register ({@code read}, {@code write}) lives in the test JVM and is left out. */
    public static final Set<String> WRITES = Set.of("submit", "acquire", "release", "renew", PROBE);

    public static final long DEFAULT_RECOVERY_BOUND_MS = 10_000;
    public static final double DEFAULT_QUIET_SUCCESS_MIN = 0.99;
    /** The heal of everything after the fault phase, as the history calls it. */
    public static final String FINAL_HEAL = "heal-all";
    /** Where unavailability near no fault is counted. */
    public static final String NO_FAULT = "(no fault)";

    /**
     * An answer slower than this counts as unavailability until it came (the latency plot shows the rest): writes take
     * tens of milliseconds on a healthy cluster, and a client left waiting seconds for one was not being served.
     */
    public static final long SLOW_ANSWER_MS = 1_000;

    static final String RECOVERED = "recovered";
    static final String NOT_RECOVERED = "not-recovered";
    static final String CUT_SHORT = "cut-short";
    private static final long NANOS_PER_MS = 1_000_000;

    private final long boundNanos;
    private final double quietSuccessMin;
    private final int clients;

    /**
     * @param clients the number of client threads: process {@code p} is thread {@code p % clients} (a thread goes on as
     *     a new process after an INFO)
     */
    public AvailabilityChecker(long recoveryBoundMs, double quietSuccessMin, int clients) {
        if (recoveryBoundMs <= 0 || !(quietSuccessMin >= 0 && quietSuccessMin <= 1) || clients < 1) {
            throw new IllegalArgumentException("need a positive bound, a share in [0, 1] and a client, got "
                    + recoveryBoundMs + " ms, " + quietSuccessMin + ", " + clients);
        }
        this.boundNanos = recoveryBoundMs * NANOS_PER_MS;
        this.quietSuccessMin = quietSuccessMin;
        this.clients = clients;
    }

    /**
     * @param faults every fault injected, in any order
     * @param finalHealNanos when everything was healed after the fault phase; negative when the run injected no fault
     * @param jobs the queue's final state after the settle, null when the run had no queue workload
     */
    public Availability check(History history, List<FaultPeriod> faults, long finalHealNanos, List<FinalJob> jobs) {
        Timeline t = Timeline.of(history, faults, finalHealNanos, boundNanos, clients);
        CheckResult.Builder result = CheckResult.builder(NAME)
                .zero("not-recovered-within-bound", "quiet-success-below-min", "task-not-terminal")
                .count("recovery-bound-ms", boundNanos / NANOS_PER_MS)
                .count("writes", t.writes())
                .count("faults", faults.size());
        List<Availability.Heal> heals = new ArrayList<>();
        for (Timeline.Window w : t.windows()) {
            heals.add(heal(t, w, result));
        }
        List<Span> spans = spans(t);
        Availability.Stretch longest = longest(spans);
        result.count("longest-unavailable-ms", longest == null ? 0 : longest.durationMs());
        Availability.Quiet quiet = quiet(t, result);
        Availability.Tasks tasks = jobs == null ? null : tasks(jobs, result);
        return new Availability(
                boundNanos / NANOS_PER_MS,
                quietSuccessMin,
                heals,
                kinds(t, spans),
                longest,
                quiet,
                tasks,
                result.build());
    }

    private Availability.Heal heal(Timeline t, Timeline.Window w, CheckResult.Builder result) {
        List<Availability.ClientRecovery> recoveries = new ArrayList<>();
        for (Map.Entry<String, List<Operation>> c : t.byClient().entrySet()) {
            Availability.ClientRecovery r = recovery(t, w, c.getKey(), c.getValue());
            if (r == null) {
                continue;
            }
            recoveries.add(r);
            result.count("client-recoveries-" + r.outcome(), 1);
            if (r.outcome().equals(NOT_RECOVERED)) {
                result.anomaly("not-recovered-within-bound", notRecovered(t, w, r, c.getValue()));
            }
        }
        result.count("heals", 1).count(w.cutBy() == null ? "heals-judged" : "heals-cut-short", 1);
        return new Availability.Heal(
                w.kind(),
                seconds(w.healNanos()),
                seconds(w.endNanos() - w.healNanos()),
                w.cutBy(),
                countOf(recoveries, RECOVERED),
                countOf(recoveries, NOT_RECOVERED),
                countOf(recoveries, CUT_SHORT),
                recoveries.stream()
                        .filter(r -> r.outcome().equals(RECOVERED))
                        .map(Availability.ClientRecovery::firstAnswerMs)
                        .max(Long::compare)
                        .orElse(null),
                recoveries);
    }

    /** Null when the client did not write during the window (it had nothing open at the heal and began nothing). */
    private static Availability.ClientRecovery recovery(
            Timeline t, Timeline.Window w, String client, List<Operation> ops) {
        boolean wrote = false;
        long answeredNanos = -1;
        for (Operation op : ops) {
            long done = t.doneNanos(op);
            if (done < w.healNanos()) {
                continue;
            }
            wrote |= op.invokeNanos() < w.endNanos();
            if (Answers.answered(op)) {
                answeredNanos = done;
                break;
            }
        }
        if (!wrote) {
            return null;
        }
        Long firstAnswerMs = answeredNanos < 0 ? null : (answeredNanos - w.healNanos()) / NANOS_PER_MS;
        if (answeredNanos >= 0 && answeredNanos <= w.endNanos()) {
            return new Availability.ClientRecovery(client, RECOVERED, firstAnswerMs);
        }
        return new Availability.ClientRecovery(client, w.cutBy() == null ? NOT_RECOVERED : CUT_SHORT, firstAnswerMs);
    }

    private Map<String, Object> notRecovered(
            Timeline t, Timeline.Window w, Availability.ClientRecovery r, List<Operation> ops) {
        List<Operation> inWindow = ops.stream()
                .filter(op -> t.doneNanos(op) >= w.healNanos() && op.invokeNanos() < w.endNanos())
                .toList();
        Operation last = inWindow.get(inWindow.size() - 1);
        return Maps.of(
                "client", r.client(),
                "healed", w.kind(),
                "healedAtSeconds", seconds(w.healNanos()),
                "boundSeconds", seconds(boundNanos),
                "writesInWindow", inWindow.size(),
                "firstAnswerAfterSeconds",
                        r.firstAnswerMs() == null ? "never" : seconds(r.firstAnswerMs() * NANOS_PER_MS),
                "lastError",
                        last.completion() == null
                                ? "no completion"
                                : last.completion().error());
    }

    /**
     * One client unable to write, in history time; becomes an {@link Availability.Stretch}.
     *
     * @param waited the writes of the stretch: unanswered ones, and a slow answer that ended it
     */
    private record Span(String client, long fromNanos, long toNanos, List<Operation> waited, boolean ended) {
        Availability.Stretch figures() {
            List<Operation> unanswered =
                    waited.stream().filter(op -> !Answers.answered(op)).toList();
            Op last = unanswered.isEmpty()
                    ? null
                    : unanswered.get(unanswered.size() - 1).completion();
            return new Availability.Stretch(
                    client,
                    seconds(fromNanos),
                    seconds(toNanos),
                    (toNanos - fromNanos) / NANOS_PER_MS,
                    unanswered.size(),
                    ended,
                    unanswered.isEmpty() ? null : last == null ? "no completion" : last.error());
        }
    }

    /**
     * Every client's stretches without an answer, in client and time order: from the invocation of a write that went
     * unanswered, or was answered only after more than {@link #SLOW_ANSWER_MS}, to the completion of the next answered
     * write (that slow answer itself, if it was one), or of the client's last write when no answer came.
     */
    private static List<Span> spans(Timeline t) {
        List<Span> out = new ArrayList<>();
        t.byClient().forEach((client, ops) -> {
            List<Operation> open = new ArrayList<>();
            for (Operation op : ops) {
                boolean answered = Answers.answered(op);
                if (!answered || t.doneNanos(op) - op.invokeNanos() > SLOW_ANSWER_MS * NANOS_PER_MS) {
                    open.add(op);
                }
                if (answered && !open.isEmpty()) {
                    out.add(new Span(client, open.get(0).invokeNanos(), t.doneNanos(op), List.copyOf(open), true));
                    open.clear();
                }
            }
            if (!open.isEmpty()) {
                long to = t.doneNanos(open.get(open.size() - 1));
                out.add(new Span(client, open.get(0).invokeNanos(), to, List.copyOf(open), false));
            }
        });
        return out;
    }

    /** Per fault kind (in the order they first struck), then {@link #NO_FAULT} if any stretch lies near no fault. */
    private List<Availability.Kind> kinds(Timeline t, List<Span> spans) {
        List<Availability.Kind> out = new ArrayList<>();
        t.faultsByKind().forEach((kind, faults) -> out.add(kind(kind, faults, near(spans, faults))));
        List<Span> alone = spans.stream()
                .filter(s -> near(List.of(s), t.faults()).isEmpty())
                .toList();
        if (!alone.isEmpty()) {
            out.add(kind(NO_FAULT, List.of(), alone));
        }
        return out;
    }

    private static Availability.Kind kind(String kind, List<FaultPeriod> faults, List<Span> spans) {
        long faultNanos =
                faults.stream().mapToLong(f -> f.endNanos() - f.startNanos()).sum();
        return new Availability.Kind(kind, faults.size(), seconds(faultNanos), spans.size(), longest(spans));
    }

    private static Availability.Stretch longest(List<Span> spans) {
        return spans.stream()
                .max(Comparator.comparingLong(s -> s.toNanos() - s.fromNanos()))
                .map(Span::figures)
                .orElse(null);
    }

    /**
     * The stretches that began under one of {@code faults}: their first unanswered write overlaps the fault or the
     * recovery bound after its heal. A stretch that goes on through later faults is not theirs: it shows which kind of
     * fault left a client unable to write.
     */
    private List<Span> near(List<Span> spans, List<FaultPeriod> faults) {
        return spans.stream()
                .filter(s -> faults.stream().anyMatch(f -> beganUnder(s, f)))
                .toList();
    }

    private boolean beganUnder(Span s, FaultPeriod f) {
        Operation first = s.waited().get(0);
        long firstDone =
                first.completion() == null ? s.toNanos() : first.completion().timeNanos();
        return first.invokeNanos() < f.endNanos() + boundNanos && f.startNanos() <= firstDone;
    }

    private Availability.Quiet quiet(Timeline t, CheckResult.Builder result) {
        List<Operation> quiet = t.quietWrites();
        List<Operation> unanswered =
                quiet.stream().filter(op -> !Answers.answered(op)).toList();
        long answered = quiet.size() - unanswered.size();
        Double share = quiet.isEmpty() ? null : answered / (double) quiet.size();
        result.count("quiet-writes", quiet.size()).count("quiet-writes-unanswered", unanswered.size());
        if (share != null && share < quietSuccessMin) {
            for (Operation op : unanswered) {
                Map<String, Object> example = op.describe();
                example.put("client", Timeline.clientOf(op, clients));
                example.put("share", share);
                example.put("min", quietSuccessMin);
                result.anomaly("quiet-success-below-min", example);
            }
        }
        return new Availability.Quiet(seconds(t.quietNanos()), quiet.size(), answered, share);
    }

    private static Availability.Tasks tasks(List<FinalJob> jobs, CheckResult.Builder result) {
        long tasks = 0;
        SortedMap<String, Long> notTerminal = new TreeMap<>();
        for (FinalJob job : jobs) {
            for (FinalTask task : job.tasks()) {
                tasks++;
                if (!task.state().isTerminal()) {
                    notTerminal.merge(task.state().name(), 1L, Long::sum);
                    result.anomaly(
                            "task-not-terminal",
                            Maps.of(
                                    "job",
                                    job.jobId(),
                                    "key",
                                    job.key(),
                                    "task",
                                    task.taskId(),
                                    "state",
                                    task.state()));
                }
            }
        }
        long stuck = notTerminal.values().stream().mapToLong(Long::longValue).sum();
        result.count("tasks", tasks);
        return new Availability.Tasks(tasks, tasks - stuck, notTerminal);
    }

    private static int countOf(List<Availability.ClientRecovery> recoveries, String outcome) {
        return (int)
                recoveries.stream().filter(r -> r.outcome().equals(outcome)).count();
    }

    /** Nanoseconds as seconds, to the millisecond. */
    static double seconds(long nanos) {
        return Math.round(nanos / (double) NANOS_PER_MS) / 1_000.0;
    }
}
