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
    @Test
    void aProbeThatShowsTheLeadersOffsetIsValid() {
        CheckResult r = ClockCheck.judge(
                List.of(period(
                        "clock-bump-leader",
                        Map.of(
                                "node",
                                "n1",
                                "offsetMs",
                                30_000L,
                                "leaderClockOffsetMs",
                                29_400L,
                                "probeUncertaintyMs",
                                20L))),
                List.of());
        assertThat(r.validity()).isEqualTo(Validity.VALID);
        assertThat(r.count("probes-showing-the-offset")).isEqualTo(1);
        assertThat(r.count("largest-offset-ms")).isEqualTo(30_000);
    }

    @Test
    void leaderFaultsThatNeverShowTheirOffsetAreUnknown() {
        CheckResult r = ClockCheck.judge(
                List.of(period(
                        "clock-bump-leader", Map.of("node", "n1", "offsetMs", -12_000L, "leaderClockOffsetMs", 3L))),
                List.of());
        assertThat(r.validity()).isEqualTo(Validity.UNKNOWN);
        assertThat(r.examplesOf("clock-not-moved")).hasSize(1);
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
