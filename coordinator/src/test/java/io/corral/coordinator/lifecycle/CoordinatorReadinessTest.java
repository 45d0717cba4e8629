package io.corral.coordinator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.systemd.Readiness;
import org.junit.jupiter.api.Test;

/** READY=1 only once the log found at start-up is applied and a leader is known. */
class CoordinatorReadinessTest {
    @Test
    void notReadyWhileReplayingTheLogFoundAtStartUpEvenWithALeader() {
        Readiness r = CoordinatorReadiness.evaluate("n1", 900, 350, 900, "n2", 5);

        assertThat(r).isEqualTo(Readiness.notReady("replaying log: applied 350 of 900"));
    }

    @Test
    void notReadyWithoutALeaderOnceReplayed() {
        Readiness r = CoordinatorReadiness.evaluate("n1", 900, 900, 900, null, 5);

        assertThat(r.ready()).isFalse();
        assertThat(r.status()).isEqualTo("waiting for a leader (term 5, applied 900)");
    }

    @Test
    void readyOnceReplayedWithALeader() {
        assertThat(CoordinatorReadiness.evaluate("n1", 900, 900, 900, "n2", 5))
                .isEqualTo(Readiness.ready("leader n2, term 5"));
        assertThat(CoordinatorReadiness.evaluate("n1", 900, 1200, 1300, "n1", 6))
                .isEqualTo(Readiness.ready("leader n1 (this member), term 6"));
    }

    @Test
    void entriesAppendedSinceStartUpAreNotWaitedFor() {
        assertThat(CoordinatorReadiness.evaluate("n1", 900, 900, 5000, "n2", 5).ready())
                .isTrue();
    }

    @Test
    void aTailTheNewLeaderCutOffIsNotWaitedFor() {
        // 900 was on disk but never committed; the leader's log replaced it and ends at 880.
        assertThat(CoordinatorReadiness.evaluate("n1", 900, 880, 880, "n2", 6).ready())
                .isTrue();
        assertThat(CoordinatorReadiness.evaluate("n1", 900, 870, 880, "n2", 6))
                .isEqualTo(Readiness.notReady("replaying log: applied 870 of 880"));
    }

    @Test
    void anEmptyLogIsReplayedAtOnce() {
        assertThat(CoordinatorReadiness.evaluate("n4", -1, -1, -1, null, 0).status())
                .startsWith("waiting for a leader");
        assertThat(CoordinatorReadiness.evaluate("n4", -1, -1, -1, "n2", 3).ready())
                .isTrue();
    }
}
