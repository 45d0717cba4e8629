package io.corral.jepsen.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FakeClockTest {
    @Test
    void offsetsAreSignedSecondsWithMillisecondsAndNoUnit() {
        // libfaketime reads "+30.000" as 30 s; a unit such as "ms" would be misread.
        assertThat(FakeClock.offset(30_000)).isEqualTo("+30.000");
        assertThat(FakeClock.offset(-2_500)).isEqualTo("-2.500");
        assertThat(FakeClock.offset(0)).isEqualTo("+0.000");
    }

    @Test
    void onlyTheWallClockIsMovedAndTheOffsetIsReadOnceASecond() {
        assertThat(FakeClock.environment())
                .contains(
                        "FAKETIME_DONT_FAKE_MONOTONIC=1", "FAKETIME_CACHE_DURATION=1", "FAKETIME_FORCE_MONOTONIC_FIX=0")
                .anySatisfy(e -> assertThat(e).startsWith("LD_PRELOAD=").endsWith("libfaketimeMT.so.1"));
    }
}
