package io.corral.jepsen.nemesis;

import static io.corral.jepsen.nemesis.MembershipCheckTest.period;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.checker.Validity;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClockCheckTest {
    static NemesisSchedule.Period skewFailover(long offsetMs, long seenMs) {
        return period(
                "clock-skew-failover",
                Map.of(
                        "node",
                        "n2",
                        "transferredTo",
                        "n2",
                        "offsetMs",
                        offsetMs,
                        "leaderClockOffsetMs",
                        seenMs,
                        "probeUncertaintyMs",
                        20L));
    }

    @Test
    void aNewLeaderStartedWithASkewedClockShowsTheSkew() {
        CheckResult r = ClockCheck.judge(List.of(skewFailover(25_000, 24_600)), List.of());
        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("skews-seen")).isEqualTo(1);
        assertThat(r.count("largest-offset-ms")).isEqualTo(25_000);
    }

    @Test
    void skewsThatNeverShowAreUnknown() {
        CheckResult r = ClockCheck.judge(List.of(skewFailover(-12_000, 3)), List.of());
        assertThat(r.validity()).isEqualTo(Validity.UNKNOWN);
        assertThat(r.examplesOf("clock-not-moved")).hasSize(1);
    }

    @Test
    void aLeaderMustNotFollowAStepOfItsClock() {
        NemesisSchedule.Period ignored =
                period("clock-bump-leader", Map.of("node", "n1", "offsetMs", 30_000L, "leaderClockOffsetMs", 4L));
        assertThat(ClockCheck.judge(List.of(ignored), List.of()).validity()).isEqualTo(Validity.VALID);
        NemesisSchedule.Period followed =
                period("clock-bump-leader", Map.of("node", "n1", "offsetMs", 30_000L, "leaderClockOffsetMs", 29_700L));
        CheckResult r = ClockCheck.judge(List.of(followed), List.of());
        assertThat(r.validity()).isEqualTo(Validity.INVALID);
        assertThat(r.count("steps-followed")).isEqualTo(1);
    }

    @Test
    void aFollowersOffsetNeedNotShow() {
        CheckResult r = ClockCheck.judge(
                List.of(period("clock-bump", Map.of("node", "n2", "offsetMs", 5_000L, "leaderClockOffsetMs", 2L))),
                List.of());
        assertThat(r.validity()).isEqualTo(Validity.VALID);
    }

    @Test
    void aClockLeftOffIsInvalid() {
        assertThat(ClockCheck.judge(List.of(), List.of("n3")).validity()).isEqualTo(Validity.INVALID);
    }

    @Test
    void offsetsAreSignedAndWithinTheirBounds() {
        Random random = new Random(7);
        boolean ahead = false;
        boolean behind = false;
        for (int i = 0; i < 200; i++) {
            long o = ClockFaults.offsetMs(random, 1_000, 60_000);
            assertThat(Math.abs(o)).isBetween(1_000L, 60_000L);
            ahead |= o > 0;
            behind |= o < 0;
        }
        assertThat(ahead && behind).isTrue();
    }
}
