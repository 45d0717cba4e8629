package io.corral.jepsen.nemesis;

import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.FakeClock;
import io.corral.jepsen.cluster.Node;
import io.corral.jepsen.history.History;
import java.util.List;
import java.util.Map;

/**
 * The clock nemesis's check. Safety under clock faults is the workloads' checkers' to judge; this one checks what the
 * probes of the leader's clock saw, and that the faults are over:
 *
 * <ul>
 *   <li>after {@code clock-skew-failover}, the new leader's clock shows the skew it was started with: else the
 *       faults never reached the coordinators' JVMs and the run proved nothing about time (UNKNOWN);
 *   <li>after a step of the leader's clock ({@code clock-bump-leader}), the leader's clock must not have followed
 *       it: it counts with its monotonic clock from its start (INVALID if it jumped with the step);
 *   <li>every clock is back at the true time.
 * </ul>
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
        CheckResult.Builder b = CheckResult.builder(NAME).zero("faults", "probes", "skews-seen", "steps-followed");
        long largest = 0;
        boolean skewProbed = false;
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
            Map<String, Object> example = MembershipCheck.example(
                    "kind", p.kind(), "node", d.get("node"), "offsetMs", offset, "leaderClockOffsetMs", seenMs);
            boolean showsOffset = Math.abs(seenMs - offset) <= tolerance && Math.abs(offset) > tolerance;
            if (p.kind().equals("clock-skew-failover") && d.get("node").equals(d.get("transferredTo"))) {
                skewProbed = true;
                if (showsOffset) {
                    b.count("skews-seen", 1);
                }
            } else if (p.kind().equals("clock-bump-leader") && showsOffset) {
                b.anomaly("steps-followed", example);
                continue;
            }
            b.note("leader-clock", example);
        }
        b.count("largest-offset-ms", largest);
        if (skewProbed && b.build().count("skews-seen") == 0) {
            b.unknown(
                    "clock-not-moved",
                    Map.of(
                            "why",
                            "no leader started with a skewed clock showed the skew: the faults may not have reached"
                                    + " the coordinators' JVMs"));
        }
        if (!notReset.isEmpty()) {
            b.anomaly("clock-not-reset", Map.of("nodes", notReset));
        }
        return b.build();
    }
}
