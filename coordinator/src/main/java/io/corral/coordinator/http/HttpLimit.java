package io.corral.coordinator.http;

import java.util.Locale;

/** Why the HTTP port closed a connection on its own (docs/operations.md, "HTTP endpoints"). */
public enum HttpLimit {
    /** More connections than {@code http.maxConnections} and none idle or slow long enough to evict: 503. */
    MAX_CONNECTIONS,
    /**
     * The connection idle, or receiving its request, for the longest, closed to make room for a new one when the port
     * has {@code http.maxConnections}: slow clients cannot keep new ones out.
     */
    SLOW_CONNECTION_EVICTED,
    /** A request not whole {@code http.requestTimeoutMs} after its first byte: 408. */
    REQUEST_TIMEOUT,
    /** No request under way for {@code http.idleTimeoutMs}; routine for keep-alive connections, so never warned. */
    IDLE_TIMEOUT,
    /** A request line or headers above {@code http.maxHeaderBytes}: 414 or 431. */
    HEAD_TOO_LARGE,
    /** A body above {@code http.maxBodyBytes}: 413. */
    BODY_TOO_LARGE,
    /** A request that is not HTTP: 400. */
    MALFORMED_REQUEST;

    /** The Prometheus label value, e.g. {@code request_timeout}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
