package io.corral.systemd;

import java.util.Objects;

/**
 * The outcome of a daemon's health check: healthy, or unhealthy and why (the reason is logged while the
 * {@link Watchdog} withholds its pings).
 */
public record Health(boolean healthy, String problem) {
    public static final Health OK = new Health(true, null);

    public Health {
        if (healthy && problem != null) {
            throw new IllegalArgumentException("a healthy result has no problem");
        }
        if (!healthy) {
            Objects.requireNonNull(problem, "an unhealthy result says why");
        }
    }

    public static Health unhealthy(String problem) {
        return new Health(false, problem);
    }

    /** A daemon's health check; it must bound its own running time (the watchdog waits for it). */
    @FunctionalInterface
    public interface Check {
        Health check();
    }
}
