package io.corral.jepsen.nemesis;

import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.Node;
import io.corral.jepsen.history.History;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the nemeses on a randomized schedule: a quiet spell, one fault (chosen among the selected kinds), held for a
 * while, healed, and again, until the end of the fault phase. Every choice comes from one generator seeded by the run's
 * seed. Starts and stops go into the history (process {@link #PROCESS}) and into {@link #periods()} for the plots.
 * {@link #healAll()} leaves the cluster whole whatever happened: rules flushed, containers resumed, processes started.
 */
public final class NemesisSchedule {
    /** The nemesis's process number in the history. */
    public static final int PROCESS = -1;

    private static final Logger log = LoggerFactory.getLogger(NemesisSchedule.class);

    /** One fault as it happened, in history time. */
    public record Period(String kind, long startNanos, long endNanos, Map<String, Object> detail) {}

    /** How long quiet spells and faults last, in milliseconds (uniformly between min and max). */
    public record Timing(long quietMinMs, long quietMaxMs, long faultMinMs, long faultMaxMs) {
        public static Timing standard() {
            return new Timing(3_000, 8_000, 5_000, 12_000);
        }
    }

    private final ContainerCluster cluster;
    private final Leaders leaders;
    private final List<Nemesis> nemeses;
    private final Random random;
    private final History history;
    private final Timing timing;
    private final List<Period> periods = new ArrayList<>();
    private Fault active;
    /** Faults whose heal failed; {@link #healAll()} heals them again (heals are idempotent). */
    private final List<Fault> unhealed = new ArrayList<>();

    public NemesisSchedule(
            ContainerCluster cluster,
            Leaders leaders,
            List<Nemesis> nemeses,
            Random random,
            History history,
            Timing timing) {
        this.cluster = cluster;
        this.leaders = leaders;
        this.nemeses = List.copyOf(nemeses);
        this.random = random;
        this.history = history;
        this.timing = timing;
    }

    /** Runs faults until {@code endNanos} (history time); the last one is healed before returning. */
    public void run(long endNanos) throws InterruptedException {
        if (nemeses.isEmpty()) {
            sleepUntil(endNanos);
            return;
        }
        while (history.now() < endNanos) {
            sleepUntil(Math.min(endNanos, history.now() + between(timing.quietMinMs(), timing.quietMaxMs())));
            if (history.now() >= endNanos) {
                break;
            }
            Nemesis n = nemeses.get(random.nextInt(nemeses.size()));
            long start = history.now();
            try {
                active = n.start(cluster, leaders, random);
            } catch (RuntimeException e) {
                log.warn("nemesis {} could not start: {}", n.kind(), e.toString());
                history.event(PROCESS, "nemesis-error", Map.of("kind", n.kind(), "error", e.toString()));
                continue;
            }
            Map<String, Object> detail = new TreeMap<>(active.detail());
            detail.put("kind", n.kind());
            history.event(PROCESS, "nemesis-start", detail);
            log.info("nemesis: {} {}", n.kind(), active.detail());
            Fault f = active;
            try {
                sleepUntil(Math.min(endNanos, history.now() + between(timing.faultMinMs(), timing.faultMaxMs())));
            } finally {
                heal(f);
                active = null;
                periods.add(new Period(n.kind(), start, history.now(), afterHeal(f, detail)));
                history.event(PROCESS, "nemesis-stop", Map.of("kind", n.kind()));
                log.info("nemesis: {} healed", n.kind());
            }
        }
    }

    /** What the fault reported at its start, with what it adds when healed (e.g. how long recovery took). */
    static Map<String, Object> afterHeal(Fault f, Map<String, Object> atStart) {
        Map<String, Object> detail = new TreeMap<>(atStart);
        try {
            detail.putAll(f.detail());
        } catch (RuntimeException e) {
            detail.put("detailError", e.toString());
        }
        return detail;
    }

    private void heal(Fault f) {
        try {
            f.heal();
        } catch (RuntimeException e) {
            // E.g. interrupted at the end of the fault phase in the middle of a slow heal: healAll() finishes it.
            log.warn("healing {} failed ({}); healAll() will retry", f.kind(), e.toString());
            unhealed.add(f);
        }
    }

    /**
     * Ends every fault: the active one, then on every node whatever any fault could have left (partition and loss
     * rules, a netem qdisc, a frozen container, a stopped process).
     */
    public void healAll() {
        if (active != null) {
            heal(active);
            active = null;
        }
        List<Fault> again = new ArrayList<>(unhealed);
        unhealed.clear();
        again.forEach(this::heal);
        for (Node n : cluster.nodes()) {
            try {
                if (n.paused()) {
                    n.resume();
                }
                Partition.flush(n);
                n.exec("tc", "qdisc", "del", "dev", "eth0", "root");
                n.start();
            } catch (RuntimeException e) {
                log.warn("healing {} failed: {}", n, e.toString());
            }
        }
        history.event(PROCESS, "heal-all", Map.of());
    }

    public List<Period> periods() {
        return List.copyOf(periods);
    }

    /**
     * The nemeses' own checks (membership, clock, disk), each once, on the faults of its kinds; none for the others.
     * Run after {@link #healAll()} and once the cluster has recovered.
     */
    public List<CheckResult> checks() throws InterruptedException {
        Map<String, NemesisCheck> byName = new LinkedHashMap<>();
        Map<String, Set<String>> kinds = new HashMap<>();
        for (Nemesis n : nemeses) {
            n.check().ifPresent(c -> {
                byName.putIfAbsent(c.name(), c);
                kinds.computeIfAbsent(c.name(), k -> new HashSet<>()).add(n.kind());
            });
        }
        List<CheckResult> out = new ArrayList<>();
        for (Map.Entry<String, NemesisCheck> e : byName.entrySet()) {
            Set<String> mine = kinds.get(e.getKey());
            List<Period> of =
                    periods.stream().filter(p -> mine.contains(p.kind())).toList();
            out.add(e.getValue().check(cluster, of, history));
        }
        return out;
    }

    private long between(long minMs, long maxMs) {
        long ms = minMs + (maxMs > minMs ? (long) (random.nextDouble() * (maxMs - minMs)) : 0);
        return ms * 1_000_000;
    }

    private void sleepUntil(long nanos) throws InterruptedException {
        long left;
        while ((left = nanos - history.now()) > 0) {
            Thread.sleep(Math.max(1, Math.min(1_000, left / 1_000_000)));
        }
    }
}
