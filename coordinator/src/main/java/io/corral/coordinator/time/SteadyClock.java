package io.corral.coordinator.time;

import java.util.function.LongSupplier;

/**
 * The coordinator's clock: the host's wall clock read once, when the coordinator starts, and from then on advanced by
 * the monotonic clock. Every time the leader stamps into a command (lease and lock expiry, and so whether a hold has
 * lapsed) comes from it.
 *
 * <p>Why not the wall clock itself: NTP or an operator can step it at any moment, and a leader whose clock steps
 * forward would take every lease and lock whose expiry it jumped over as lapsed, and grant a lock whose holder still
 * has most of its TTL (promise 6: time never breaks safety). The harness's {@code clock-bump-leader} fault showed a
 * grant 100 ms after another. A step back only delays expiries, but a step forward after it would then catch up all at
 * once, so neither is followed.
 *
 * <p>The price: after a step the coordinator's stamps (submission and finish times) stay off by it until the
 * coordinator restarts, and a host suspended for a while (the monotonic clock stops) lags by that long. Neither
 * affects safety; both only shift what users read.
 */
public final class SteadyClock implements LongSupplier {
    private final long startWallMs;
    private final long startNanos;
    private final LongSupplier nanoTime;

    private SteadyClock(long startWallMs, long startNanos, LongSupplier nanoTime) {
        this.startWallMs = startWallMs;
        this.startNanos = startNanos;
        this.nanoTime = nanoTime;
    }

    /** Reads {@code wallClockMs} once now; from then on advances with {@code nanoTime}. */
    public static SteadyClock startingNow(LongSupplier wallClockMs, LongSupplier nanoTime) {
        return new SteadyClock(wallClockMs.getAsLong(), nanoTime.getAsLong(), nanoTime);
    }

    /** The wall clock at start plus the monotonic time since, in milliseconds. */
    @Override
    public long getAsLong() {
        return startWallMs + (nanoTime.getAsLong() - startNanos) / 1_000_000;
    }
}
