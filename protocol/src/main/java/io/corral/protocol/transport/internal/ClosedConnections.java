package io.corral.protocol.transport.internal;

import java.net.SocketAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Connections a server closed because they hit a limit, counted by reason for the metrics, and logged so that an
 * attack of a thousand connections a second shows as one WARN line per reason every {@link #WARN_INTERVAL_MS}, with
 * the count since the previous line and the latest case, instead of a line per connection. Each close is also logged
 * at DEBUG. Reasons in {@code quiet} (routine closes, like an idle keep-alive connection) are counted, never warned.
 */
public final class ClosedConnections<R extends Enum<R>> {
    public static final long WARN_INTERVAL_MS = 10_000;

    private final Class<R> reasons;
    private final Logger log;
    private final String port;
    private final Set<R> quiet;
    private final LongSupplier nanoTime;
    private final Map<R, LongAdder> total;
    private final Map<R, long[]> sinceWarn; // per reason: closes since the last WARN, the time of the last WARN

    public ClosedConnections(Class<R> reasons, Logger log, String port, Set<R> quiet, LongSupplier nanoTime) {
        this.reasons = reasons;
        this.log = log;
        this.port = port;
        this.quiet = Set.copyOf(quiet);
        this.nanoTime = nanoTime;
        this.total = new EnumMap<>(reasons);
        this.sinceWarn = new EnumMap<>(reasons);
        for (R r : reasons.getEnumConstants()) {
            total.put(r, new LongAdder());
            sinceWarn.put(r, new long[] {0, Long.MIN_VALUE});
        }
    }

    /** Counts one close for {@code reason}; {@code detail} says what the peer did, in a few words and numbers. */
    public void closed(R reason, SocketAddress remote, String detail) {
        total.get(reason).increment();
        log.debug("closing {} on the {} port: {}: {}", remote, port, label(reason), detail);
        if (quiet.contains(reason)) {
            return;
        }
        long count;
        long[] state = sinceWarn.get(reason);
        long now = nanoTime.getAsLong();
        synchronized (state) {
            state[0]++;
            boolean due =
                    state[1] == Long.MIN_VALUE || now - state[1] >= TimeUnit.MILLISECONDS.toNanos(WARN_INTERVAL_MS);
            if (!due) {
                return;
            }
            count = state[0];
            state[0] = 0;
            state[1] = now;
        }
        log.warn(
                "closed {} connection(s) on the {} port for {} since the last such line (at most one every {} s);"
                        + " the latest: {}: {}",
                count,
                port,
                label(reason),
                WARN_INTERVAL_MS / 1000,
                remote,
                detail);
    }

    /** Closes so far, by reason; every reason is present. */
    public Map<R, Long> counts() {
        Map<R, Long> out = new EnumMap<>(reasons);
        total.forEach((r, n) -> out.put(r, n.sum()));
        return out;
    }

    private static String label(Enum<?> reason) {
        return reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }
}
