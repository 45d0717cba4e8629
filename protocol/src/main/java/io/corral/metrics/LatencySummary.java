package io.corral.metrics;

import java.util.Arrays;

/**
 * Count, percentiles, maximum and mean of a set of latencies, in milliseconds. Computed exactly from every sample (a
 * sorted copy), not from a histogram: a benchmark run holds a few hundred thousand samples at most. Used by
 * {@code corral bench} and the side-by-side queue benchmark.
 *
 * <p>Percentiles use the nearest-rank definition: p is the smallest sample such that at least p % of the samples are
 * at or below it. With 1,000 samples, p99 is the 990th smallest; with fewer than 100 samples, p99 is the maximum.
 */
public record LatencySummary(int count, double p50Ms, double p90Ms, double p99Ms, double maxMs, double meanMs) {

    /**
     * @param nanos samples in nanoseconds, in any order; not modified
     * @throws IllegalArgumentException when there are none (a percentile of nothing is a programming error)
     */
    public static LatencySummary ofNanos(long[] nanos) {
        if (nanos.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (long n : sorted) {
            sum += n;
        }
        return new LatencySummary(
                sorted.length,
                ms(percentile(sorted, 50)),
                ms(percentile(sorted, 90)),
                ms(percentile(sorted, 99)),
                ms(sorted[sorted.length - 1]),
                sum / sorted.length / 1e6);
    }

    /**
     * The nearest-rank percentile of sorted samples: the value at rank ceil(p × n / 100), counting ranks from 1. In
     * integers, so that 99 % of 1,000 is rank 990 exactly (0.99 × 1000 in doubles is not 990).
     *
     * @param percent 1 to 100
     */
    public static long percentile(long[] sorted, int percent) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        if (percent < 1 || percent > 100) {
            throw new IllegalArgumentException("percentile must be 1 to 100, got " + percent);
        }
        long rank = ((long) percent * sorted.length + 99) / 100;
        return sorted[(int) rank - 1];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
