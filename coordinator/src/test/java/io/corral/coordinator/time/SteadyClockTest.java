package io.corral.coordinator.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SteadyClockTest {
    final AtomicLong wallMs = new AtomicLong(1_800_000_000_000L);
    final AtomicLong nanos = new AtomicLong(42);

    @Test
    void startsAtTheWallClockAndAdvancesWithTheMonotonicClock() {
        SteadyClock clock = SteadyClock.startingNow(wallMs::get, nanos::get);
        assertThat(clock.getAsLong()).isEqualTo(1_800_000_000_000L);
        nanos.addAndGet(2_500_000_000L);
        wallMs.addAndGet(2_500);
        assertThat(clock.getAsLong()).isEqualTo(1_800_000_002_500L);
    }

    @Test
    void aStepOfTheWallClockIsNotFollowedEitherWay() {
        SteadyClock clock = SteadyClock.startingNow(wallMs::get, nanos::get);
        wallMs.addAndGet(300_000); // NTP steps the host's clock five minutes ahead
        nanos.addAndGet(1_000_000_000L);
        assertThat(clock.getAsLong()).isEqualTo(1_800_000_001_000L);
        wallMs.addAndGet(-600_000); // and then ten minutes back
        nanos.addAndGet(1_000_000_000L);
        assertThat(clock.getAsLong()).isEqualTo(1_800_000_002_000L);
    }
}
