package io.corral.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WarmthTest {
    @Test
    void aServerIsWarmOnceItsCompilerThreadsTakeAtMostFivePercentOfItsCpu() {
        Map<String, Long> before = Map.of("C CompilerThre", 1000L, "apply", 1000L);
        // 50 of 1,000 ms since then: 5 %, settled.
        assertThat(Warmth.settled(before, Map.of("C CompilerThre", 1050L, "apply", 1950L)))
                .isTrue();
        // 60 of 1,000 ms: still compiling.
        assertThat(Warmth.settled(before, Map.of("C CompilerThre", 1060L, "apply", 1940L)))
                .isFalse();
    }

    @Test
    void aServerWithoutCompilerThreadsIsWarmAtOnceButOneThatDidNothingIsNot() {
        assertThat(Warmth.settled(Map.of("etcd", 100L), Map.of("etcd", 900L))).isTrue();
        assertThat(Warmth.settled(Map.of("etcd", 100L), Map.of("etcd", 100L))).isFalse();
        // A thread that appeared since the first reading counts from zero.
        assertThat(Warmth.settled(Map.of(), Map.of("C CompilerThre", 500L, "apply", 500L)))
                .isFalse();
    }

    @Test
    void sumsTheCompilerThreadsAsCpuMeterGroupsThem() {
        // C1 and C2 compiler threads fold into one group, "C CompilerThre".
        assertThat(CpuMeter.group("C1 CompilerThre")).isEqualTo(CpuMeter.group("C2 CompilerThre"));
        assertThat(Warmth.compilerMs(Map.of(CpuMeter.group("C2 CompilerThre"), 42L, "apply", 500L)))
                .isEqualTo(42L);
        assertThat(Warmth.compilerMs(Map.of("grpc-default-executor", 9L))).isZero();
    }
}
