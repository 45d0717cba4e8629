package io.corral.protocol.transport;

import java.util.Locale;

/**
 * Why an {@link RpcServer} closed a connection on its own (docs/protocol.md, "Limits and shutdown"). Each close is
 * counted ({@link RpcServer#limitStats()}) and logged at most once every few seconds per reason, so an attack shows
 * in the metrics and the log without flooding either.
 */
public enum ConnectionLimit {
    /** More connections than {@link ServerOptions#maxConnections()}. */
    MAX_CONNECTIONS,
    /** More connections without an accepted Hello from one address than {@link
     * ServerOptions#maxPreAuthConnectionsPerAddress()}. */
    PRE_AUTH_CONNECTIONS_PER_ADDRESS,
    /** No accepted Hello within {@link ServerOptions#handshakeTimeoutMs()}. */
    HANDSHAKE_TIMEOUT,
    /** A length prefix above {@link ServerOptions#maxPreAuthFrameBytes()} before the Hello was accepted. */
    PRE_AUTH_FRAME_TOO_LARGE,
    /** A length prefix above {@link ServerOptions#maxFrameBytes()}. */
    FRAME_TOO_LARGE,
    /** A frame whose first byte arrived more than {@link ServerOptions#frameTimeoutMs()} ago and is not complete. */
    FRAME_TIMEOUT,
    /** The server holds {@link ServerOptions#maxUnfinishedFrameBytes()} and no slow frame could make room. */
    UNFINISHED_FRAMES_FULL,
    /** The slowest unfinished frame, closed to make room for one that arrives. */
    SLOW_FRAME_EVICTED;

    /** The Prometheus label value, e.g. {@code frame_timeout}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
