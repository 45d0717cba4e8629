package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.MemberStatus;
import io.corral.protocol.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decision behind {@code corral cluster wait-healthy}. */
class ClusterHealthTest {
    static final long MAX_LAG = 100;

    static MemberStatus member(String id, String role, long commit, long applied, String leader) {
        return new MemberStatus(id, id + ":1", id + ":2", id + ":3", role, 5, commit, applied, 0, leader, true, null);
    }

    static MemberStatus down(String id) {
        return new MemberStatus(
                id, id + ":1", id + ":2", id + ":3", "UNREACHABLE", -1, -1, -1, -1, null, false, "connection refused");
    }

    /** {@code n} members, n1 leading at commit 1000, all caught up. */
    static List<MemberStatus> caughtUp(int n) {
        List<MemberStatus> all = new ArrayList<>();
        all.add(member("n1", "LEADER", 1000, 1000, "n1"));
        for (int i = 2; i <= n; i++) {
            all.add(member("n" + i, "FOLLOWER", 1000, 998, "n1"));
        }
        return all;
    }

    static ClusterHealth.Verdict evaluate(List<MemberStatus> members, boolean quorumPlusOne) {
        return ClusterHealth.evaluate(new Response.ClusterStatus("n1", members), quorumPlusOne, MAX_LAG);
    }

    @Test
    void neededIsAMajorityOrAMajorityPlusOne() {
        assertThat(ClusterHealth.needed(3, false)).isEqualTo(2);
        assertThat(ClusterHealth.needed(3, true)).isEqualTo(3);
        assertThat(ClusterHealth.needed(5, false)).isEqualTo(3);
        assertThat(ClusterHealth.needed(5, true)).isEqualTo(4);
        assertThat(ClusterHealth.needed(1, true)).isEqualTo(1);
    }

    @Test
    void aMemberThatAnswersButCannotCommitIsNotHealthy() {
        List<MemberStatus> members = caughtUp(3);
        String problem = "cannot commit: every write for 31 s failed although leader n1 is reachable";
        members.set(
                1, new MemberStatus("n2", "n2:1", "n2:2", "n2:3", "FOLLOWER", 5, 1000, 1000, 0, "n1", true, problem));

        ClusterHealth.Verdict strict = evaluate(members, true);
        assertThat(strict.healthy()).isFalse();
        assertThat(strict.healthyMembers()).isEqualTo(2);
        assertThat(strict.missing()).isEqualTo("n2 " + problem);
        assertThat(evaluate(members, false).healthy()).isTrue();
    }

    @Test
    void threeMembersWithOneDownAreHealthyButNotForAQuorumPlusOne() {
        List<MemberStatus> members = caughtUp(3);
        members.set(2, down("n3"));

        assertThat(evaluate(members, false).healthy()).isTrue();
        ClusterHealth.Verdict strict = evaluate(members, true);
        assertThat(strict.healthy()).isFalse();
        assertThat(strict.healthyMembers()).isEqualTo(2);
        assertThat(strict.needed()).isEqualTo(3);
        assertThat(strict.missing()).isEqualTo("n3 unreachable: connection refused");
        assertThat(evaluate(caughtUp(3), true).healthy()).isTrue();
    }

    @Test
    void fiveMembersNeedThreeOrFour() {
        List<MemberStatus> members = caughtUp(5);
        members.set(4, down("n5"));
        assertThat(evaluate(members, true).healthy()).isTrue();

        members.set(3, down("n4"));
        assertThat(evaluate(members, false).healthy()).isTrue();
        ClusterHealth.Verdict strict = evaluate(members, true);
        assertThat(strict.healthy()).isFalse();
        assertThat(strict.missing())
                .isEqualTo("n4 unreachable: connection refused; n5 unreachable: connection refused");

        members.set(2, down("n3"));
        assertThat(evaluate(members, false).healthy()).isFalse();
    }

    @Test
    void aMemberFurtherBehindThanMaxLagIsNotHealthy() {
        List<MemberStatus> members = caughtUp(3);
        members.set(1, member("n2", "FOLLOWER", 1000, 1000 - MAX_LAG, "n1"));
        members.set(2, member("n3", "FOLLOWER", 700, 650, "n1"));

        ClusterHealth.Verdict v = evaluate(members, true);

        assertThat(v.healthy()).isFalse();
        assertThat(v.members()).extracting(ClusterHealth.Member::healthy).containsExactly(true, true, false);
        assertThat(v.missing())
                .isEqualTo("n3 lagging: applied 650, leader commit 1000 (350 entries behind, at most 100)");
        assertThat(evaluate(members, false).healthy()).isTrue();
    }

    @Test
    void noLeaderIsNeverHealthyWhateverTheMembers() {
        List<MemberStatus> members = List.of(
                member("n1", "CANDIDATE", 1000, 1000, null), member("n2", "FOLLOWER", 1000, 1000, null), down("n3"));

        ClusterHealth.Verdict v = ClusterHealth.evaluate(new Response.ClusterStatus(null, members), false, MAX_LAG);

        assertThat(v.healthy()).isFalse();
        assertThat(v.leaderId()).isNull();
        assertThat(v.missing()).isEqualTo("no leader known; n3 unreachable: connection refused");
    }

    @Test
    void aNamedLeaderThatDoesNotAnswerOrNoLongerLeadsIsNoLeader() {
        List<MemberStatus> members = caughtUp(3);
        members.set(0, down("n1"));
        assertThat(evaluate(members, false).missing()).startsWith("leader n1 named, but it does not answer");

        members.set(0, member("n1", "FOLLOWER", 1000, 1000, "n2"));
        assertThat(evaluate(members, false).missing()).isEqualTo("leader n1 named, but it reports FOLLOWER");
    }

    @Test
    void theShapeChangesWithHealthNotWithIndexes() {
        List<MemberStatus> members = caughtUp(3);
        members.set(2, down("n3"));
        String before = evaluate(members, true).shape();
        members.set(1, member("n2", "FOLLOWER", 1000, 1000, "n1"));
        assertThat(evaluate(members, true).shape()).isEqualTo(before);

        members.set(2, member("n3", "FOLLOWER", 1000, 10, "n1"));
        assertThat(evaluate(members, true).shape()).isNotEqualTo(before);
    }
}
