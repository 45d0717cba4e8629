package io.corral.client.internal;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with "equal jitter": half of the exponential step, plus a random part of the other half. The
 * random part spreads out clients that failed together (a leader crash) so they do not return together; the fixed
 * half keeps a retry from being immediate.
 */
public final class Backoff {
    private Backoff() {}

    /** Pause before retry number {@code retry} (1 for the first retry). */
    public static long delayMs(int retry, long baseMs, long maxMs) {
        int doublings = Math.min(Math.max(retry - 1, 0), 30);
        long step = Math.min(maxMs, baseMs << doublings);
        long half = step / 2;
        return half + ThreadLocalRandom.current().nextLong(step - half + 1);
    }
}
