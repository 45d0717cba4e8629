package io.corral.coordinator.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.PeerView;
import io.corral.protocol.Response;
import java.util.List;
import org.junit.jupiter.api.Test;

class MembershipViewTest {
    static Member m(int n) {
        return MembershipRulesTest.m(n);
    }

    @Test
    void theLeaderListsVotersListenersAndMembersBeingCaughtUpWithTheirProgress() {
        Configuration c = Configuration.of(40, List.of(m(2), m(1)), List.of(m(4)));
        List<FollowerProgress> progress = List.of(
                new FollowerProgress(m(2), 99, 12),
                new FollowerProgress(m(4), 80, 30),
                new FollowerProgress(m(5), -1, 5));

        Response.Membership view = MembershipView.of(c, progress, "n1", "n1", 100);

        assertThat(view.peers())
                .extracting(PeerView::id, PeerView::role, PeerView::matchIndex, PeerView::lastContactMs)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("n1", "VOTER", 100L, 0L),
                        org.assertj.core.groups.Tuple.tuple("n2", "VOTER", 99L, 12L),
                        org.assertj.core.groups.Tuple.tuple("n4", "LISTENER", 80L, 30L),
                        org.assertj.core.groups.Tuple.tuple("n5", "JOINING", -1L, 5L));
        assertThat(view.configIndex()).isEqualTo(40);
        assertThat(view.leaderId()).isEqualTo("n1");
        assertThat(view.peers().get(0).rpcAddress()).isEqualTo("h1:7201");
    }

    @Test
    void aFollowerKnowsTheConfigurationButNotTheProgress() {
        Configuration joint = new Configuration(41, List.of(m(1), m(3)), List.of(), List.of(m(1), m(2), m(3)), true);

        Response.Membership view = MembershipView.of(joint, List.of(), "n3", "n1", 41);

        assertThat(view.changing()).isTrue();
        assertThat(view.peers())
                .extracting(PeerView::id, PeerView::role, PeerView::matchIndex)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("n1", "VOTER", -1L),
                        org.assertj.core.groups.Tuple.tuple("n3", "VOTER", -1L),
                        org.assertj.core.groups.Tuple.tuple("n2", "LEAVING", -1L));
    }
}
