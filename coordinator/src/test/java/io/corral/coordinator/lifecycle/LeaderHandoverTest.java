package io.corral.coordinator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.lifecycle.LeaderHandover.Follower;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The follower a stopping leader hands over to. */
class LeaderHandoverTest {
    private static final long STALE_AFTER_MS = 2_000;

    @Test
    void theMostCaughtUpFollowerIsChosen() {
        List<Follower> followers =
                List.of(new Follower("n2", 480, 30), new Follower("n3", 500, 40), new Follower("n4", 499, 10));

        assertThat(LeaderHandover.chooseTarget(followers, STALE_AFTER_MS))
                .map(Follower::id)
                .hasValue("n3");
    }

    @Test
    void aTieGoesToTheFollowerHeardFromLast() {
        List<Follower> followers = List.of(new Follower("n2", 500, 300), new Follower("n3", 500, 20));

        assertThat(LeaderHandover.chooseTarget(followers, STALE_AFTER_MS))
                .map(Follower::id)
                .hasValue("n3");
    }

    @Test
    void aFollowerNotHeardFromRecentlyIsNeverChosen() {
        List<Follower> followers =
                List.of(new Follower("n2", 900, STALE_AFTER_MS + 1), new Follower("n3", 10, STALE_AFTER_MS));

        assertThat(LeaderHandover.chooseTarget(followers, STALE_AFTER_MS))
                .map(Follower::id)
                .hasValue("n3");
        assertThat(LeaderHandover.chooseTarget(List.of(followers.get(0)), STALE_AFTER_MS))
                .isEmpty();
        assertThat(LeaderHandover.chooseTarget(List.of(), STALE_AFTER_MS)).isEmpty();
    }
}
