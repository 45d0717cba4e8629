package io.corral.jepsen.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.jepsen.history.Op;
import io.corral.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LatenciesTest {
    private static final long MS = 1_000_000L;

    /** Entries numbered in the order given, as History would record them. */
    private static final class Ops {
        final List<Op> ops = new ArrayList<>();

        Ops add(int process, OpType type, String f, long ms) {
            ops.add(new Op(ops.size(), process, type, f, Map.of(), ms * MS, null));
            return this;
        }
    }

    @Test
    void pairsEachCompletionWithItsProcessInvocationAndSkipsTheNemesis() {
        List<Op> ops = new Ops()
                .add(0, OpType.INVOKE, "submit", 0)
                .add(1, OpType.INVOKE, "acquire", 5)
                .add(-1, OpType.INVOKE, "nemesis-start", 6)
                .add(-1, OpType.OK, "nemesis-start", 6)
                .add(0, OpType.OK, "submit", 10)
                .add(2, OpType.INVOKE, "submit", 12)
                .add(1, OpType.FAIL, "acquire", 25)
                .add(0, OpType.INVOKE, "submit", 30)
                .add(3, OpType.INVOKE, "release", 31) // never completes
                .add(0, OpType.OK, "submit", 33)
                .add(2, OpType.INFO, "submit", 40)
                .add(4, OpType.OK, "submit", 50) // no invocation: ignored
                .ops;

        List<Latencies.Completion> c = Latencies.pair(ops);

        assertThat(c)
                .containsExactly(
                        new Latencies.Completion("submit", OpType.OK, 0, 0, 10 * MS),
                        new Latencies.Completion("acquire", OpType.FAIL, 1, 5 * MS, 25 * MS),
                        new Latencies.Completion("submit", OpType.OK, 0, 30 * MS, 33 * MS),
                        new Latencies.Completion("submit", OpType.INFO, 2, 12 * MS, 40 * MS));
        assertThat(c.get(3).latencyNanos()).isEqualTo(28 * MS);

        var summaries = Latencies.okSummaries(c);
        assertThat(summaries).containsOnlyKeys("submit"); // acquire never succeeded; info is not a latency of ok
        assertThat(summaries.get("submit")).isEqualTo(new Latencies.Summary(2, 3.0, 10.0, 10.0, 10.0));

        assertThat(OpCounts.byF(ops))
                .containsEntry("submit", Map.of("ok", 3L, "fail", 0L, "info", 1L))
                .containsEntry("acquire", Map.of("ok", 0L, "fail", 1L, "info", 0L))
                .doesNotContainKeys("nemesis-start", "release");
    }

    @Test
    void nearestRankPercentiles() {
        long[] oneToHundred = LongStream.rangeClosed(1, 100).toArray();
        assertThat(Latencies.percentile(oneToHundred, 0.50)).isEqualTo(50);
        assertThat(Latencies.percentile(oneToHundred, 0.95)).isEqualTo(95);
        assertThat(Latencies.percentile(oneToHundred, 0.99)).isEqualTo(99);
        assertThat(Latencies.percentile(oneToHundred, 0.07)).isEqualTo(7);
        assertThat(Latencies.percentile(oneToHundred, 1.0)).isEqualTo(100);

        long[] ten = LongStream.rangeClosed(1, 10).toArray();
        assertThat(Latencies.percentile(ten, 0.95)).isEqualTo(10);
        assertThat(Latencies.percentile(ten, 0.50)).isEqualTo(5);
        assertThat(Latencies.percentile(new long[] {7}, 0.01)).isEqualTo(7);

        assertThatThrownBy(() -> Latencies.percentile(new long[0], 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Latencies.percentile(ten, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void summaryIsInMillisecondsToTheMicrosecond() {
        var s = Latencies.summarise(List.of(1_234_567L, 2_000_000L, 40_000_400L));
        assertThat(s).isEqualTo(new Latencies.Summary(3, 2.0, 40.0, 40.0, 40.0));
        assertThat(Latencies.summarise(List.of(1_234_567L)).p50Ms()).isEqualTo(1.235);
    }

    @Test
    void throughputCountsCompletionsPerSecondWithZerosWhereNothingCompleted() {
        long s = 1_000_000_000L;
        List<Latencies.Completion> c = List.of(
                new Latencies.Completion("submit", OpType.OK, 0, 0, s / 2),
                new Latencies.Completion("submit", OpType.OK, 1, 0, s - 1),
                new Latencies.Completion("submit", OpType.OK, 0, s, 3 * s + 1),
                new Latencies.Completion("submit", OpType.INFO, 2, 0, 2 * s));

        var buckets = Throughput.perBucket(c, 5 * s);

        assertThat(buckets.get("submit").get(OpType.OK)).containsExactly(2, 0, 0, 1, 0);
        assertThat(buckets.get("submit").get(OpType.INFO)).containsExactly(0, 0, 1, 0, 0);
        assertThat(buckets.get("submit")).doesNotContainKey(OpType.FAIL);
        // A completion after the span still gets its bucket.
        assertThat(Throughput.perBucket(c, 0).get("submit").get(OpType.OK)).hasSize(4);
    }
}
