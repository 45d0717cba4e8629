package io.corral.jepsen.nemesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.PeerView;
import io.corral.protocol.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MembershipPlanTest {
    /** A configuration answered by the leader: {@code "n1:VOTER"}, ...; every member at the commit index 100. */
    static Response.Membership config(String leader, boolean changing, String... members) {
        List<PeerView> peers = new ArrayList<>();
        for (String m : members) {
            String[] idRole = m.split(":");
            peers.add(new PeerView(idRole[0], "r", "p", "h", idRole[1], 100, 0));
        }
        return new Response.Membership(leader, 7, changing, 100, peers);
    }

    @Test
    void theLeaderIsRemovedWhenAsked() {
        Response.Membership m = config("n2", false, "n1:VOTER", "n2:VOTER", "n3:VOTER", "n4:VOTER");
        assertThat(MembershipPlan.victim(m, true, "n4", new Random(1))).isEqualTo("n2");
    }

    @Test
    void otherwiseNeitherTheLeaderNorTheNewMemberIsRemoved() {
        Response.Membership m = config("n2", false, "n1:VOTER", "n2:VOTER", "n3:VOTER", "n4:VOTER");
        for (int seed = 0; seed < 50; seed++) {
            assertThat(MembershipPlan.victim(m, false, "n4", new Random(seed))).isIn("n1", "n3");
        }
    }

    @Test
    void noVictimWithoutAKnownLeaderOrAnotherVoter() {
        assertThatThrownBy(() ->
                        MembershipPlan.victim(config(null, false, "n1:VOTER", "n2:VOTER"), true, "n2", new Random(1)))
                .hasMessageContaining("no leader");
        assertThatThrownBy(() ->
                        MembershipPlan.victim(config("n1", false, "n1:VOTER", "n2:VOTER"), false, "n2", new Random(1)))
                .hasMessageContaining("no voter to remove");
    }

    @Test
    void aConfigurationAsRecordedNeedsNothing() {
        Response.Membership m = config("n1", false, "n1:VOTER", "n2:VOTER", "n3:VOTER");
        assertThat(MembershipPlan.repair(m, Set.of("n1", "n2", "n3"), 3).nothing())
                .isTrue();
    }

    @Test
    void aListenerLeftByAFailedPromotionIsRemoved() {
        Response.Membership m = config("n1", false, "n1:VOTER", "n2:VOTER", "n3:VOTER", "n4:LISTENER");
        MembershipPlan.Repair r = MembershipPlan.repair(m, Set.of("n1", "n2", "n3"), 3);
        assertThat(r.remove()).containsExactly("n4");
        assertThat(r.admit()).isEmpty();
        assertThat(r.retire()).isEmpty();
    }

    @Test
    void anExtraVoterLeftByAFailedRemovalIsRemovedAndTheNewMemberKept() {
        // n4 was promoted and recorded; the removal of n2 failed: one voter too many.
        Response.Membership m = config("n1", false, "n1:VOTER", "n2:VOTER", "n3:VOTER", "n4:VOTER");
        MembershipPlan.Repair r = MembershipPlan.repair(m, Set.of("n1", "n2", "n3", "n4"), 3);
        assertThat(r.remove()).hasSize(1).doesNotContain("n1");
        assertThat(r.retire()).isEqualTo(r.remove());
    }

    @Test
    void aVoterTheHarnessDidNotRecordIsRemovedFirst() {
        // The promotion committed but its answer was lost: n4 is a voter the harness still counts as a spare.
        Response.Membership m = config("n1", false, "n1:VOTER", "n2:VOTER", "n3:VOTER", "n4:VOTER");
        MembershipPlan.Repair r = MembershipPlan.repair(m, Set.of("n1", "n2", "n3"), 3);
        assertThat(r.remove()).containsExactly("n4");
        assertThat(r.admit()).isEmpty();
    }

    @Test
    void theLeaderIsRemovedOnlyWhenNothingElseWill() {
        Response.Membership m = config("n1", false, "n1:VOTER", "n2:VOTER");
        assertThat(MembershipPlan.repair(m, Set.of("n1", "n2"), 1).remove()).containsExactly("n2");
        assertThat(MembershipPlan.repair(m, Set.of("n2"), 0).remove()).containsExactly("n1", "n2");
    }

    @Test
    void theRecordFollowsARemovalWhoseAnswerWasLost() {
        // n2's removal committed, its answer lost; n4 was added and recorded.
        Response.Membership m = config("n1", false, "n1:VOTER", "n3:VOTER", "n4:VOTER");
        MembershipPlan.Repair r = MembershipPlan.repair(m, Set.of("n1", "n2", "n3", "n4"), 3);
        assertThat(r.remove()).isEmpty();
        assertThat(r.retire()).containsExactly("n2");
        assertThat(r.admit()).isEmpty();
    }
}
