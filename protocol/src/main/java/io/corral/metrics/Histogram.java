package io.corral.metrics;

import java.util.Arrays;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram with fixed upper bounds in seconds. Observations are lock-free (adders), so the hot paths
 * that record them never contend with a scrape; a scrape may see a count one observation ahead of the sum.
 */
public final class Histogram {
    /** 0.5 ms to 30 s: request and dispatch latencies. */
    public static final double[] LATENCY_BUCKETS_SECONDS = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
    };

    /** 1 ms to 4 h: how long work waits in a queue, from "taken at once" to "a backlog worked off over hours". */
    public static final double[] WAIT_BUCKETS_SECONDS = {
        0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 14400
    };

    private final double[] bucketsSeconds;
    private final LongAdder[] counts;
    private final LongAdder count = new LongAdder();
    private final DoubleAdder sum = new DoubleAdder();

    /** With {@link #LATENCY_BUCKETS_SECONDS}. */
    public Histogram() {
        this(LATENCY_BUCKETS_SECONDS);
    }

    /** @param bucketsSeconds upper bounds, strictly increasing; +Inf is implied */
    public Histogram(double[] bucketsSeconds) {
        if (bucketsSeconds.length == 0) {
            throw new IllegalArgumentException("a histogram needs at least one bucket");
        }
        for (int i = 1; i < bucketsSeconds.length; i++) {
            if (!(bucketsSeconds[i] > bucketsSeconds[i - 1])) {
                throw new IllegalArgumentException("buckets must increase: " + Arrays.toString(bucketsSeconds));
            }
        }
        this.bucketsSeconds = bucketsSeconds.clone();
        this.counts = new LongAdder[bucketsSeconds.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public void observe(double seconds) {
        for (int i = 0; i < bucketsSeconds.length; i++) {
            if (seconds <= bucketsSeconds[i]) {
                counts[i].increment();
                break;
            }
        }
        count.increment();
        sum.add(seconds);
    }

    /** Upper bound of bucket {@code i}, in seconds. */
    public double bucket(int i) {
        return bucketsSeconds[i];
    }

    public int buckets() {
        return bucketsSeconds.length;
    }

    /** Cumulative count of observations at or below bucket {@code i}. */
    public long cumulative(int i) {
        long total = 0;
        for (int j = 0; j <= i; j++) {
            total += counts[j].sum();
        }
        return total;
    }

    public long count() {
        return count.sum();
    }

    public double sum() {
        return sum.sum();
    }
}
