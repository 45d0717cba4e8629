package io.corral.cli;

import io.corral.protocol.MemberStatus;
import io.corral.protocol.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a cluster is healthy enough to go on with (a rolling restart, an install): the decision behind {@code corral
 * cluster wait-healthy}, a pure function of one {@code GetClusterStatus} answer.
 *
 * <p>Healthy: a leader is known (it reports itself LEADER and answers), and enough members are healthy. A member is
 * healthy when it answers, reports no problem (such as "cannot commit") and its applied index is within {@code
 * maxLagEntries} of the leader's commit index. Enough is a majority; with {@code quorumPlusOne} a majority plus one, so that one member can be stopped next and the rest
 * still form a majority (3 members: all 3; 5 members: 4).
 */
final class ClusterHealth {
    private ClusterHealth() {}

    /** One member's verdict; {@code problem} is null when it is healthy. */
    record Member(String id, boolean healthy, long appliedIndex, String problem) {}

    /**
     * @param leaderId the leader, null when none is known
     * @param leaderCommitIndex the leader's commit index, -1 when no leader is known
     * @param needed how many healthy members are required
     * @param missing what stands between the cluster and healthy, empty when healthy
     */
    record Verdict(
            boolean healthy,
            String leaderId,
            long term,
            long leaderCommitIndex,
            int healthyMembers,
            int needed,
            List<Member> members,
            String missing) {

        /**
         * The verdict's shape without its numbers, so progress is printed when something changes (a member recovers,
         * the leader moves), not each time an index moves on.
         */
        String shape() {
            StringBuilder sb = new StringBuilder(String.valueOf(leaderId)).append('|');
            for (Member m : members) {
                sb.append(m.id()).append(m.healthy() ? "+" : m.appliedIndex() < 0 ? "?" : "-");
            }
            return sb.toString();
        }

        /** One line for the progress log. */
        String line() {
            String leader = leaderId == null ? "no leader" : "leader " + leaderId + " (term " + term + ")";
            return (healthy ? "healthy: " : "waiting: ") + leader + ", " + healthyMembers + " of " + members.size()
                    + " members healthy, " + needed + " needed" + (missing.isEmpty() ? "" : "; " + missing);
        }
    }

    /** A majority of {@code members}, plus one when asked (never more than all of them). */
    static int needed(int members, boolean quorumPlusOne) {
        int majority = members / 2 + 1;
        return Math.min(members, quorumPlusOne ? majority + 1 : majority);
    }

    static Verdict evaluate(Response.ClusterStatus status, boolean quorumPlusOne, long maxLagEntries) {
        List<MemberStatus> all = status.members();
        int needed = needed(all.size(), quorumPlusOne);
        MemberStatus leader = leader(status);
        long commit = leader == null ? -1 : leader.commitIndex();
        List<Member> members = new ArrayList<>(all.size());
        List<String> problems = new ArrayList<>();
        int healthy = 0;
        for (MemberStatus m : all) {
            Member verdict = member(m, commit, maxLagEntries);
            members.add(verdict);
            if (verdict.healthy()) {
                healthy++;
            } else if (leader != null || verdict.appliedIndex() < 0) {
                // Without a leader only the unreachable are worth naming: the rest wait for the same leader.
                problems.add(m.id() + " " + verdict.problem());
            }
        }
        List<String> missing = new ArrayList<>();
        if (leader == null) {
            missing.add(noLeader(status));
        }
        if (healthy < needed && !problems.isEmpty()) {
            missing.add(String.join("; ", problems));
        }
        boolean ok = leader != null && healthy >= needed;
        return new Verdict(
                ok,
                leader == null ? null : leader.id(),
                leader == null ? -1 : leader.term(),
                commit,
                healthy,
                needed,
                members,
                ok ? "" : String.join("; ", missing));
    }

    /** The member named leader, if it answered and says it leads; otherwise the cluster has no usable leader. */
    private static MemberStatus leader(Response.ClusterStatus status) {
        if (status.leaderId() == null) {
            return null;
        }
        return status.members().stream()
                .filter(m -> m.id().equals(status.leaderId()) && m.reachable() && "LEADER".equals(m.role()))
                .findFirst()
                .orElse(null);
    }

    private static String noLeader(Response.ClusterStatus status) {
        if (status.leaderId() == null) {
            return "no leader known";
        }
        return status.members().stream()
                .filter(m -> m.id().equals(status.leaderId()))
                .findFirst()
                .map(m -> m.reachable()
                        ? "leader " + m.id() + " named, but it reports " + m.role()
                        : "leader " + m.id() + " named, but it does not answer")
                .orElse("leader " + status.leaderId() + " named, but it is not a member");
    }

    private static Member member(MemberStatus m, long leaderCommit, long maxLagEntries) {
        if (!m.reachable() || m.appliedIndex() < 0) {
            String why = m.error() == null ? "" : ": " + m.error();
            return new Member(m.id(), false, -1, "unreachable" + why);
        }
        if (m.error() != null) {
            // It answers, but says it cannot do its job (it cannot commit, or its Raft member is not running).
            return new Member(m.id(), false, m.appliedIndex(), m.error());
        }
        if (leaderCommit < 0) {
            return new Member(m.id(), false, m.appliedIndex(), "cannot be compared with a leader (none known)");
        }
        long lag = leaderCommit - m.appliedIndex();
        if (lag > maxLagEntries) {
            return new Member(
                    m.id(),
                    false,
                    m.appliedIndex(),
                    "lagging: applied " + m.appliedIndex() + ", leader commit " + leaderCommit + " (" + lag
                            + " entries behind, at most " + maxLagEntries + ")");
        }
        return new Member(m.id(), true, m.appliedIndex(), null);
    }
}
