package io.corral.jepsen.nemesis;

import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.FakeClock;
import io.corral.jepsen.cluster.Node;
import io.corral.jepsen.history.History;
import java.util.List;
import java.util.Map;

/**
 * The clock nemesis's check. Safety under clock faults is the workloads' checkers' to judge; this one makes sure the
 * faults were real and are over: the leader's clock, measured through the product, moved when the leader's clock was
 * moved (else the run proved nothing about time), and every clock is back at the true time.
 */
final class ClockCheck implements NemesisCheck {
    static final String NAME = "clock";

    /** How far a probe may be from the offset set and still count as showing it (the 1 s read cache, the request). */
    static final long SEEN_TOLERANCE_MS = 1_500;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult check(ContainerCluster cluster, List<NemesisSchedule.Period> periods, History history) {
        List<String> notReset = cluster.coordinators().stream()
                .filter(n -> FakeClock.offsetMs(n) != 0)
                .map(Node::name)
                .toList();
        return judge(periods, notReset);
    }

    static CheckResult judge(List<NemesisSchedule.Period> periods, List<String> notReset) {
        CheckResult.Builder b = CheckResult.builder(NAME).zero("faults", "probes", "probes-showing-the-offset");
        long largest = 0;
        for (NemesisSchedule.Period p : periods) {
            Map<String, Object> d = p.detail();
            b.count("faults", 1);
            long offset = ((Number) d.getOrDefault("offsetMs", 0L)).longValue();
            largest = Math.max(largest, Math.abs(offset));
            Object seen = d.get("leaderClockOffsetMs");
            if (seen == null) {
                continue;
            }
            b.count("probes", 1);
            long seenMs = ((Number) seen).longValue();
            long tolerance = SEEN_TOLERANCE_MS + ((Number) d.getOrDefault("probeUncertaintyMs", 0L)).longValue();
            if (leaderTargeted(p.kind()) && Math.abs(seenMs - offset) <= tolerance) {
                b.count("probes-showing-the-offset", 1);
            }
            b.note(
                    "leader-clock",
                    MembershipCheck.example(
                            "kind",
                            p.kind(),
                            "node",
                            d.get("node"),
                            "offsetMs",
                            offset,
                            "leaderClockOffsetMs",
                            seenMs));
        }
        b.count("largest-offset-ms", largest);
        boolean leaderFaults = periods.stream()
                .anyMatch(p -> leaderTargeted(p.kind()) && p.detail().containsKey("leaderClockOffsetMs"));
        if (leaderFaults && b.build().count("probes-showing-the-offset") == 0) {
            b.unknown(
                    "clock-not-moved",
                    Map.of(
                            "why",
                            "no probe of the leader's clock showed the offset set on it: the faults may not have"
                                    + " reached the coordinators' JVMs"));
        }
        if (!notReset.isEmpty()) {
            b.anomaly("clock-not-reset", Map.of("nodes", notReset));
        }
        return b.build();
    }

    /** Faults after which the node whose clock was moved is expected to lead at the probe. */
    static boolean leaderTargeted(String kind) {
        return kind.equals("clock-bump-leader") || kind.equals("clock-skew-failover");
    }
}
