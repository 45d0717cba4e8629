package io.corral.jepsen.nemesis;

import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.history.History;
import java.util.List;
import java.util.Map;

/**
 * The disk nemesis's check, from what each fault observed: the member's process survived the full disk, the cluster
 * kept committing while a majority had space, the member said why it could not write (its log names the full disk),
 * and it applied the leader's commit index again within {@link DiskFull#RECOVERY_TIMEOUT_MS} of the space coming back
 * — by itself, or, when a write had failed, after the restart it asked for ({@code /live} 503, as the systemd watchdog
 * would be told). A member stuck without asking to be restarted would never be restarted by a supervisor: {@code
 * stuck-without-asking}. That nothing was lost or corrupted is the workloads' checkers' and the recovery check's.
 */
final class DiskCheck implements NemesisCheck {
    static final String NAME = "disk";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult check(ContainerCluster cluster, List<NemesisSchedule.Period> periods, History history) {
        return judge(periods);
    }

    static CheckResult judge(List<NemesisSchedule.Period> periods) {
        CheckResult.Builder b = CheckResult.builder(NAME)
                .zero(
                        "faults",
                        "member-crashed",
                        "no-commit-while-full",
                        "not-recovered",
                        "stuck-without-asking",
                        "no-error-logged");
        long slowest = 0;
        for (NemesisSchedule.Period p : periods) {
            Map<String, Object> d = p.detail();
            b.count("faults", 1);
            Map<String, Object> where = MembershipCheck.example("kind", p.kind(), "node", d.get("node"));
            if (Boolean.FALSE.equals(d.get("processRunning"))) {
                b.anomaly("member-crashed", where);
            }
            if (Boolean.FALSE.equals(d.get("committedWhileFull"))) {
                b.anomaly("no-commit-while-full", with(where, "roleWhileFull", d.get("roleWhileFull")));
            }
            if (Boolean.FALSE.equals(d.get("recovered"))) {
                String live = String.valueOf(d.get("liveWhenStuck"));
                if (!live.startsWith("503")) {
                    b.anomaly("stuck-without-asking", with(where, "live", live));
                }
                b.count("restarts-asked", live.startsWith("503") ? 1 : 0);
                if (!Boolean.TRUE.equals(d.get("recoveredAfterRestart"))) {
                    b.anomaly(
                            "not-recovered",
                            with(
                                    with(where, "appliedIndex", d.get("appliedIndexAfterRestart")),
                                    "commitIndex",
                                    d.get("commitIndexAfterRestart")));
                } else if (d.get("recoveryMsAfterRestart") instanceof Number ms) {
                    slowest = Math.max(slowest, ms.longValue());
                }
            } else if (d.get("recoveryMs") instanceof Number ms) {
                slowest = Math.max(slowest, ms.longValue());
            }
            if (((Number) d.getOrDefault("noSpaceLogLines", 0L)).longValue() == 0) {
                b.note("no-error-logged", where);
            }
            if (d.get("health") != null) {
                b.note("health-while-full", with(where, "health", d.get("health")));
            }
        }
        b.count("slowest-recovery-ms", slowest);
        return b.build();
    }

    static Map<String, Object> with(Map<String, Object> m, String key, Object value) {
        Map<String, Object> out = new java.util.LinkedHashMap<>(m);
        out.put(key, value == null ? "null" : value);
        return out;
    }
}
