package io.corral.coordinator.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The decisions of membership changes: scenarios on configurations, no cluster. */
class MembershipRulesTest {
    static Member m(int n) {
        return new Member("n" + n, "h" + n + ":7101", "h" + n + ":7201", "h" + n + ":7301");
    }

    static final Configuration THREE = Configuration.of(10, List.of(m(1), m(2), m(3)), List.of());
    static final Set<String> ALL_LIVE = Set.of("n1", "n2", "n3", "n4", "n5");

    @Test
    void addingANewMemberMakesItAListenerAndLeavesTheVotersAlone() {
        MembershipRules.Change c = MembershipRules.add(THREE, m(4)).orElseThrow();
        assertThat(c.voters()).isEqualTo(THREE.voters());
        assertThat(c.listeners()).containsExactly(m(4));
    }

    @Test
    void addingAListenerAgainWithTheSameAddressesChangesNothing() {
        Configuration withListener = Configuration.of(11, THREE.voters(), List.of(m(4)));
        assertThat(MembershipRules.add(withListener, m(4))).isEmpty();
        assertThat(MembershipRules.add(withListener, m(4).withHttpAddress(null)))
                .as("an HTTP address the request leaves out is not a difference")
                .isEmpty();
        refused(
                () -> MembershipRules.add(withListener, new Member("n4", "other:7101", "h4:7201", null)),
                ErrorCode.CONFLICT,
                "already a listener with other addresses");
    }

    @Test
    void aVoterIdOrAnAddressInUseIsRefused() {
        refused(() -> MembershipRules.add(THREE, m(1)), ErrorCode.CONFLICT, "'n1' is already a voting member");
        refused(
                () -> MembershipRules.add(THREE, new Member("n4", "h4:7101", "h2:7201", null)),
                ErrorCode.CONFLICT,
                "address h2:7201 is already used by member 'n2'");
        refused(
                () -> MembershipRules.add(THREE, new Member("n4", "h4:7101", "h4:7101", null)),
                ErrorCode.BAD_REQUEST,
                "distinct addresses");
    }

    @Test
    void malformedIdsAndAddressesAreRefused() {
        refused(
                () -> MembershipRules.add(THREE, new Member("n 4", "h4:7101", "h4:7201", null)),
                ErrorCode.BAD_REQUEST,
                "member id");
        refused(
                () -> MembershipRules.add(THREE, new Member("n4", "h4", "h4:7201", null)),
                ErrorCode.BAD_REQUEST,
                "raft address");
        refused(
                () -> MembershipRules.add(THREE, new Member("n4", "h4:7101", null, null)),
                ErrorCode.BAD_REQUEST,
                "rpc address is required");
        refused(
                () -> MembershipRules.add(THREE, new Member("n4", "h4:7101", "h,4:7201", null)),
                ErrorCode.BAD_REQUEST,
                "must not hold");
    }

    @Test
    void noChangeWhileAnotherIsUnderWay() {
        Configuration joint = new Configuration(12, List.of(m(1), m(2)), List.of(), List.of(m(1), m(2), m(3)), true);
        refused(() -> MembershipRules.add(joint, m(4)), ErrorCode.CONFLICT, "under way");
        refused(() -> MembershipRules.remove(joint, "n1", ALL_LIVE), ErrorCode.CONFLICT, "under way");
        refused(() -> MembershipRules.promote(joint, "n4", null, 0, ALL_LIVE), ErrorCode.CONFLICT, "under way");
    }

    @Test
    void aFullClusterTakesNoMoreMembers() {
        List<Member> nine = java.util.stream.IntStream.rangeClosed(1, MembershipRules.MAX_MEMBERS)
                .mapToObj(MembershipRulesTest::m)
                .toList();
        Configuration full = Configuration.of(1, nine.subList(0, 5), nine.subList(5, 9));
        refused(() -> MembershipRules.add(full, m(10)), ErrorCode.CONFLICT, "the most it may have");
    }

    @Test
    void aListenerIsPromotedOnlyOnceCaughtUpAndLive() {
        Configuration c = Configuration.of(11, THREE.voters(), List.of(m(4)));
        long commit = 5000;
        FollowerProgress behind = new FollowerProgress(m(4), commit - Limits.MAX_PROMOTION_LAG_ENTRIES - 1, 10);
        refused(
                () -> MembershipRules.promote(c, "n4", behind, commit, ALL_LIVE),
                ErrorCode.CONFLICT,
                (Limits.MAX_PROMOTION_LAG_ENTRIES + 1) + " entries behind");
        refused(
                () -> MembershipRules.promote(c, "n4", null, commit, ALL_LIVE),
                ErrorCode.CONFLICT,
                "has not replicated");

        FollowerProgress close = new FollowerProgress(m(4), commit - Limits.MAX_PROMOTION_LAG_ENTRIES, 10);
        refused(
                () -> MembershipRules.promote(c, "n4", close, commit, Set.of("n1", "n2", "n3")),
                ErrorCode.CONFLICT,
                "has not answered the leader");
        MembershipRules.Change change =
                MembershipRules.promote(c, "n4", close, commit, ALL_LIVE).orElseThrow();
        assertThat(change.voters()).containsExactly(m(1), m(2), m(3), m(4));
        assertThat(change.listeners()).isEmpty();
    }

    @Test
    void promotingAVoterChangesNothingAndAnUnknownIdIsNotFound() {
        assertThat(MembershipRules.promote(THREE, "n1", null, 0, ALL_LIVE)).isEmpty();
        refused(() -> MembershipRules.promote(THREE, "n9", null, 0, ALL_LIVE), ErrorCode.NOT_FOUND, "no listener 'n9'");
    }

    @Test
    void aPromotionThatLeavesNoLiveMajorityIsRefused() {
        // Four voters afterwards, of which only the leader and the listener answer: two of four is no majority.
        Configuration c = Configuration.of(11, THREE.voters(), List.of(m(4)));
        FollowerProgress caughtUp = new FollowerProgress(m(4), 100, 10);
        refused(
                () -> MembershipRules.promote(c, "n4", caughtUp, 100, Set.of("n1", "n4")),
                ErrorCode.CONFLICT,
                "no majority");
    }

    @Test
    void removingAVoterOrAListener() {
        assertThat(MembershipRules.remove(THREE, "n2", ALL_LIVE).voters()).containsExactly(m(1), m(3));
        Configuration c = Configuration.of(11, THREE.voters(), List.of(m(4)));
        MembershipRules.Change change = MembershipRules.remove(c, "n4", Set.of("n1"));
        assertThat(change.voters()).isEqualTo(THREE.voters());
        assertThat(change.listeners()).isEmpty();
    }

    @Test
    void anUnknownIdTheLastVoterAndARemovalThatLeavesNoLiveMajorityAreRefused() {
        refused(() -> MembershipRules.remove(THREE, "n9", ALL_LIVE), ErrorCode.NOT_FOUND, "no member 'n9'");
        Configuration one = Configuration.of(3, List.of(m(1)), List.of(m(2)));
        refused(() -> MembershipRules.remove(one, "n1", ALL_LIVE), ErrorCode.BAD_REQUEST, "last voting member");
        // n3 is down: removing n2 would leave n1 and n3, and only n1 answers.
        refused(() -> MembershipRules.remove(THREE, "n2", Set.of("n1", "n2")), ErrorCode.CONFLICT, "no majority");
        // Removing the member that is down is how an operator repairs that cluster.
        assertThat(MembershipRules.remove(THREE, "n3", Set.of("n1", "n2")).voters())
                .containsExactly(m(1), m(2));
    }

    private static void refused(Supplier<?> change, ErrorCode code, String message) {
        assertThatThrownBy(change::get)
                .isInstanceOfSatisfying(
                        MembershipException.class, e -> assertThat(e.code()).isEqualTo(code))
                .hasMessageContaining(message);
    }
}
