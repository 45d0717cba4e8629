package io.corral.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LatencySummaryTest {
    private static long[] millisOneTo(int n) {
        return LongStream.rangeClosed(1, n).map(ms -> ms * 1_000_000).toArray();
    }

    @Test
    void nearestRankOverAThousandSamples() {
        LatencySummary s = LatencySummary.ofNanos(millisOneTo(1000));

        assertThat(s.count()).isEqualTo(1000);
        assertThat(s.p50Ms()).isEqualTo(500.0);
        assertThat(s.p90Ms()).isEqualTo(900.0);
        assertThat(s.p99Ms()).as("rank 990 exactly, not 991").isEqualTo(990.0);
        assertThat(s.maxMs()).isEqualTo(1000.0);
        assertThat(s.meanMs()).isEqualTo(500.5);
    }

    @Test
    void withFewerThanAHundredSamplesP99IsTheMaximum() {
        LatencySummary s = LatencySummary.ofNanos(millisOneTo(20));

        assertThat(s.p50Ms()).isEqualTo(10.0);
        assertThat(s.p90Ms()).isEqualTo(18.0);
        assertThat(s.p99Ms()).isEqualTo(20.0);
    }

    @Test
    void orderOfTheSamplesDoesNotMatterAndTheInputIsLeftAlone() {
        long[] samples = {5_000_000, 1_000_000, 3_000_000, 2_000_000, 4_000_000};

        LatencySummary s = LatencySummary.ofNanos(samples);

        assertThat(s.p50Ms()).isEqualTo(3.0);
        assertThat(s.maxMs()).isEqualTo(5.0);
        assertThat(s.meanMs()).isEqualTo(3.0);
        assertThat(samples).containsExactly(5_000_000, 1_000_000, 3_000_000, 2_000_000, 4_000_000);
    }

    @Test
    void oneSampleIsEveryPercentile() {
        LatencySummary s = LatencySummary.ofNanos(new long[] {1_500_000});

        assertThat(s).isEqualTo(new LatencySummary(1, 1.5, 1.5, 1.5, 1.5, 1.5));
    }

    @Test
    void percentileRanksAreExact() {
        long[] sorted = LongStream.rangeClosed(1, 200).toArray();

        assertThat(LatencySummary.percentile(sorted, 1)).isEqualTo(2);
        assertThat(LatencySummary.percentile(sorted, 99)).isEqualTo(198);
        assertThat(LatencySummary.percentile(sorted, 100)).isEqualTo(200);
    }

    @Test
    void noSamplesOrAPercentileOutOfRangeIsAProgrammingError() {
        assertThatThrownBy(() -> LatencySummary.ofNanos(new long[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LatencySummary.percentile(new long[] {1}, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LatencySummary.percentile(new long[] {1}, 101))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
