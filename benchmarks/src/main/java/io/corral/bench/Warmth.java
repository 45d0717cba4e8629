package io.corral.bench;

import java.util.Map;

/**
 * Whether a JVM server is warm: its JIT compiler threads ({@code C1 CompilerThread0}, {@code C2 CompilerThread1}, …)
 * have done most of their work. A JVM that shares 2 cores with two others and a load compiles for a minute or more;
 * until then the compiler threads' CPU counts as if the workload cost it. Servers without a JIT compiler thread (etcd,
 * RabbitMQ's BEAM, whose JIT compiles as modules load) are warm at once.
 */
final class Warmth {
    /** Warm: the compiler threads took at most this share of the servers' CPU since the last reading. */
    static final int SETTLED_COMPILER_PERCENT = 5;

    private Warmth() {}

    /**
     * Whether the compiler threads took at most {@link #SETTLED_COMPILER_PERCENT} % of the CPU between two readings of
     * {@link CpuMeter#byThreadMs}. A window in which the servers used no CPU at all is not settled (nothing ran).
     */
    static boolean settled(Map<String, Long> before, Map<String, Long> after) {
        long total = 0;
        long compiler = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            long delta = Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
            total += delta;
            if (isCompiler(e.getKey())) {
                compiler += delta;
            }
        }
        return total > 0 && compiler * 100 <= total * SETTLED_COMPILER_PERCENT;
    }

    /** The CPU of the compiler thread groups in a per-thread-group reading (or a difference of two). */
    static long compilerMs(Map<String, Long> byThreadMs) {
        return byThreadMs.entrySet().stream()
                .filter(e -> isCompiler(e.getKey()))
                .mapToLong(Map.Entry::getValue)
                .sum();
    }

    /** HotSpot's compiler threads, as {@link CpuMeter#group} names them (the 15-character thread name, no digits). */
    static boolean isCompiler(String threadGroup) {
        return threadGroup.contains("CompilerThre");
    }
}
