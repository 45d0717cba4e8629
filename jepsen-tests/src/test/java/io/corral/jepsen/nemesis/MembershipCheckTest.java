package io.corral.jepsen.nemesis;

import static io.corral.jepsen.nemesis.MembershipPlanTest.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.checker.Validity;
import io.corral.protocol.PeerView;
import io.corral.protocol.Response;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MembershipCheckTest {
    static final Set<String> RECORDED = Set.of("n1", "n3", "n4");
    static final Response.Membership FINAL = config("n3", false, "n1:VOTER", "n3:VOTER", "n4:VOTER");

    static NemesisSchedule.Period period(String kind, Map<String, Object> detail) {
        return new NemesisSchedule.Period(kind, 0, 1, detail);
    }

    static NemesisSchedule.Period leaderReplaced() {
        return period(
                "replace-leader",
                Map.of(
                        "added",
                        "n4",
                        "addMs",
                        4000L,
                        "removed",
                        "n2",
                        "removedLeader",
                        true,
                        "removeMs",
                        900L,
                        "removedRole",
                        "NOT_RUNNING"));
    }

    @Test
    void completedChangesAndTheRecordedConfigurationAreValid() {
        CheckResult r = MembershipCheck.judge(List.of(leaderReplaced()), FINAL, RECORDED, List.of());
        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("added")).isEqualTo(1);
        assertThat(r.count("removed")).isEqualTo(1);
        assertThat(r.count("leader-removed")).isEqualTo(1);
        assertThat(r.count("voters")).isEqualTo(3);
    }

    @Test
    void aFailedChangeIsInvalid() {
        NemesisSchedule.Period failed =
                period("replace-member", Map.of("added", "n4", "error", "RemovePeer[id=n2] not done in time"));
        CheckResult r = MembershipCheck.judge(List.of(failed), FINAL, RECORDED, List.of());
        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.examplesOf("change-failed")).hasSize(1);
    }

    @Test
    void aRemovedMemberThatStillLeadsIsInvalid() {
        NemesisSchedule.Period p = period("replace-leader", Map.of("removed", "n2", "removedRole", "LEADER"));
        assertThat(MembershipCheck.judge(List.of(p), FINAL, RECORDED, List.of()).count("removed-member-still-running"))
                .isEqualTo(1);
    }

    @Test
    void aConfigurationOtherThanTheRecordedOneIsInvalid() {
        Response.Membership other = config("n3", false, "n1:VOTER", "n2:VOTER", "n3:VOTER");
        assertThat(MembershipCheck.judge(List.of(), other, RECORDED, List.of()).examplesOf("unexpected-configuration"))
                .hasSize(1);
        Response.Membership listener = config("n3", false, "n1:VOTER", "n3:VOTER", "n4:VOTER", "n2:LISTENER");
        assertThat(MembershipCheck.judge(List.of(), listener, RECORDED, List.of())
                        .validity())
                .isEqualTo(Validity.INVALID);
    }

    @Test
    void aVoterBehindTheCommitIndexIsInvalid() {
        Response.Membership behind = new Response.Membership(
                "n3",
                9,
                false,
                100,
                List.of(
                        new PeerView("n1", "r", "p", "h", "VOTER", 100, 0),
                        new PeerView("n3", "r", "p", "h", "VOTER", 100, 0),
                        new PeerView("n4", "r", "p", "h", "VOTER", 40, 0)));
        assertThat(MembershipCheck.judge(List.of(), behind, RECORDED, List.of()).examplesOf("voter-behind"))
                .singleElement()
                .satisfies(e -> assertThat(e).containsEntry("member", "n4"));
    }

    @Test
    void aRunningSpareOrNoAnswerIsInvalid() {
        assertThat(MembershipCheck.judge(List.of(), FINAL, RECORDED, List.of("n2"))
                        .count("spare-running"))
                .isEqualTo(1);
        assertThat(MembershipCheck.judge(List.of(), null, RECORDED, List.of()).count("no-configuration"))
                .isEqualTo(1);
    }
}
