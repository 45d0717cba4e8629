package io.corral.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void staysBetweenHalfAndAllOfTheDoublingStep() {
        for (int i = 0; i < 1_000; i++) {
            assertThat(Backoff.delayMs(1, 100, 5_000)).isBetween(50L, 100L);
            assertThat(Backoff.delayMs(3, 100, 5_000)).isBetween(200L, 400L);
        }
    }

    @Test
    void isCappedAndNeverOverflows() {
        for (int retry : new int[] {7, 30, 64, Integer.MAX_VALUE}) {
            assertThat(Backoff.delayMs(retry, 100, 5_000)).isBetween(2_500L, 5_000L);
        }
    }
}
