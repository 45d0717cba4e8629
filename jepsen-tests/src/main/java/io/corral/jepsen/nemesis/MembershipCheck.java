package io.corral.jepsen.nemesis;

import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.Node;
import io.corral.jepsen.history.History;
import io.corral.protocol.PeerView;
import io.corral.protocol.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The membership nemesis's check: every change it made completed (a change refused or stuck while the cluster was
 * otherwise healthy is a liveness failure), a removed member stopped running Raft, and at the end the configuration
 * is exactly the members the nemesis recorded, all voters, all caught up, with no spare still running.
 */
final class MembershipCheck implements NemesisCheck {
    static final String NAME = "membership";

    /** How long the final configuration may take to show every voter at the commit index (clients have stopped). */
    static final long CAUGHT_UP_TIMEOUT_MS = 60_000;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult check(ContainerCluster cluster, List<NemesisSchedule.Period> periods, History history) {
        Response.Membership[] last = {null};
        Admin.await(CAUGHT_UP_TIMEOUT_MS, () -> {
            last[0] = Admin.membership(cluster);
            return last[0] != null && !last[0].changing() && caughtUp(last[0]);
        });
        Set<String> recorded =
                cluster.coordinators().stream().map(Node::name).collect(Collectors.toCollection(TreeSet::new));
        List<String> runningSpares =
                cluster.spares().stream().filter(Node::running).map(Node::name).toList();
        return judge(periods, last[0], recorded, runningSpares);
    }

    /** The verdict from the faults' details and the final configuration; pure, for the unit tests. */
    static CheckResult judge(
            List<NemesisSchedule.Period> periods,
            Response.Membership last,
            Set<String> recorded,
            List<String> runningSpares) {
        CheckResult.Builder b = CheckResult.builder(NAME)
                .zero("faults", "added", "removed", "leader-removed", "change-failed", "removed-member-still-running");
        for (NemesisSchedule.Period p : periods) {
            faultOutcome(b, p);
        }
        if (last == null) {
            b.anomaly("no-configuration", Map.of("why", "no member answered GetMembership after the heal"));
            return b.build();
        }
        Set<String> voters = new TreeSet<>(MembershipPlan.voters(last));
        if (!voters.equals(recorded) || !MembershipPlan.nonVoters(last).isEmpty() || last.changing()) {
            b.anomaly(
                    "unexpected-configuration",
                    example("expectedVoters", List.copyOf(recorded), "configuration", Membership.describe(last)));
        }
        for (PeerView p : last.peers()) {
            if (p.matchIndex() < last.commitIndex()) {
                b.anomaly(
                        "voter-behind",
                        example("member", p.id(), "matchIndex", p.matchIndex(), "commitIndex", last.commitIndex()));
            }
        }
        if (!runningSpares.isEmpty()) {
            b.anomaly("spare-running", example("spares", runningSpares));
        }
        b.count("voters", voters.size());
        return b.build();
    }

    private static void faultOutcome(CheckResult.Builder b, NemesisSchedule.Period p) {
        Map<String, Object> d = p.detail();
        b.count("faults", 1);
        if (d.containsKey("addMs")) {
            b.count("added", 1);
        }
        if (d.containsKey("removeMs")) {
            b.count("removed", 1);
            if (Boolean.TRUE.equals(d.get("removedLeader"))) {
                b.count("leader-removed", 1);
            }
        }
        if (d.containsKey("error")) {
            b.anomaly(
                    "change-failed",
                    example(
                            "kind",
                            p.kind(),
                            "added",
                            d.get("added"),
                            "removed",
                            d.get("removed"),
                            "error",
                            d.get("error")));
        }
        Object role = d.get("removedRole");
        if (role != null && Membership.RUNNING_ROLES.contains(role.toString())) {
            b.anomaly("removed-member-still-running", example("member", d.get("removed"), "role", role));
        }
        if (d.containsKey("repairAfterError") || d.containsKey("repairBeforeError")) {
            b.anomaly(
                    "repair-failed",
                    example("kind", p.kind(), "error", d.getOrDefault("repairAfterError", d.get("repairBeforeError"))));
        }
    }

    /** Every member of the configuration holds the commit index (the leader reports its own as the commit index). */
    static boolean caughtUp(Response.Membership m) {
        return m.peers().stream().allMatch(p -> p.matchIndex() >= m.commitIndex());
    }

    static Map<String, Object> example(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1] == null ? "null" : kv[i + 1]);
        }
        return m;
    }
}
