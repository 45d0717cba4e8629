package io.corral.coordinator.http;

import io.corral.protocol.transport.internal.ClosedConnections;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP port's connections: how many are open, which one to evict when they are too many, and how many each limit
 * closed (for /metrics).
 */
public final class HttpConnections {
    /** A connection younger than this in its state is never evicted: a real request arrives well within it. */
    static final long MIN_EVICTABLE_AGE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** A snapshot for the metrics. */
    public record Stats(int open, Map<HttpLimit, Long> closed) {}

    private final AtomicInteger open = new AtomicInteger();
    private final Set<HttpGuard> live = ConcurrentHashMap.newKeySet();
    private final ClosedConnections<HttpLimit> closed = new ClosedConnections<>(
            HttpLimit.class,
            LoggerFactory.getLogger(HttpServer.class),
            "http",
            Set.of(HttpLimit.IDLE_TIMEOUT),
            System::nanoTime);

    /** A connection was accepted; returns how many are open with it. */
    int opened(HttpGuard guard) {
        live.add(guard);
        return open.incrementAndGet();
    }

    void gone(HttpGuard guard) {
        live.remove(guard);
        open.decrementAndGet();
    }

    /** The connection that has been idle, or receiving its request, the longest, if that is long enough; or null. */
    HttpGuard oldest(HttpGuard except, long nowNanos) {
        HttpGuard oldest = null;
        for (HttpGuard g : live) {
            long since = g.sinceNanos();
            if (g != except
                    && nowNanos - since >= MIN_EVICTABLE_AGE_NANOS
                    && (oldest == null || since < oldest.sinceNanos())) {
                oldest = g;
            }
        }
        return oldest;
    }

    void closed(HttpLimit limit, SocketAddress remote, String detail) {
        closed.closed(limit, remote, detail);
    }

    public Stats stats() {
        return new Stats(open.get(), closed.counts());
    }
}
