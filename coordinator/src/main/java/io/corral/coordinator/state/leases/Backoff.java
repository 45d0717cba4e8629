package io.corral.coordinator.state.leases;

/**
 * Retry backoff: exponential in the attempt number, capped, with "equal jitter" (the delay lies in [d/2, d] for the
 * capped exponential d) so the tasks of one dead worker, all expired at the same instant, do not all come back at the
 * same millisecond.
 *
 * <p>The jitter is not random. Every replica applies the expiry and must compute the same {@code notBeforeMs}, and
 * apply may not read a random source (ArchitectureTest forbids it). The leader could draw a random number and stamp
 * it into the command, but a hash of (task, attempt) spreads tasks just as well, needs no extra field in the log, and
 * makes the delay reproducible in tests and in post-mortems.
 */
public final class Backoff {
    private Backoff() {}

    /**
     * The delay before attempt {@code attempts + 1} of task {@code (seq, index)} may be leased, after {@code
     * attempts} attempts (at least 1): {@code min(capMs, baseMs * 2^(attempts-1))}, jittered into its upper half.
     */
    public static long delayMs(long seq, int index, int attempts, long baseMs, long capMs) {
        if (baseMs <= 0 || capMs <= 0) {
            return 0;
        }
        long exponential = baseMs;
        // Doubling stops at the cap (at most 1 day), so this never overflows and runs at most ~40 times.
        for (int i = 1; i < attempts && exponential < capMs; i++) {
            exponential *= 2;
        }
        long capped = Math.min(capMs, exponential);
        long half = capped / 2;
        return capped - half + Math.floorMod(mix(seq, index, attempts), half + 1);
    }

    /** SplitMix64's finalizer over the task and attempt: well spread, and the same on every JVM. */
    static long mix(long seq, int index, int attempts) {
        long z = seq * 0x9E3779B97F4A7C15L + index * 0xC2B2AE3D27D4EB4FL + attempts;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
