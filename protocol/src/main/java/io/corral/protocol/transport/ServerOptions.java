package io.corral.protocol.transport;

import io.corral.protocol.Limits;
import java.util.Objects;

/**
 * Limits and names of an {@link RpcServer}. Start from {@link #defaults()} and override with the {@code with...}
 * methods.
 *
 * @param nodeId sent in {@link io.corral.protocol.Response.Welcome}
 * @param maxFrameBytes largest frame payload accepted or sent; at most {@link Limits#MAX_FRAME_BYTES}
 * @param maxPreAuthFrameBytes largest frame payload accepted before the connection's Hello is: a Hello is a few
 *     hundred bytes, so a peer that has not said who it is cannot make the server hold a megabyte (the smaller of this
 *     and {@code maxFrameBytes} applies)
 * @param maxUnfinishedFrameBytes bytes the server holds, across all connections, in frames that began to arrive and
 *     are not complete; at least one frame of {@code maxFrameBytes}. Connections not welcomed yet may hold a quarter
 *     of it. When it is full the slowest unfinished frame is evicted (its connection closed), or the new one refused
 * @param frameTimeoutMs a frame not complete this long after its first byte closes its connection
 * @param maxInFlightPerConnection requests of one connection being handled at once; more are refused with
 *     OVERLOADED rather than queued, so one client cannot hog a coordinator
 * @param maxConnections connections at once; more are refused with OVERLOADED and closed
 * @param handshakeTimeoutMs a connection that sends no Hello within this time is closed
 * @param shutdownTimeoutMs how long {@link RpcServer#close()} waits for in-flight requests to be answered
 * @param ioThreads event loop threads for connections; 0 for Netty's default (twice the cores)
 * @param threadNamePrefix prefix of the event loop thread names
 * @param maxPreAuthConnectionsPerAddress connections from one IP address that have not had their Hello accepted yet;
 *     more are refused with OVERLOADED and closed, so one host cannot take every connection slot. Connections that
 *     said Hello do not count: a fleet of workers behind one NAT address is not limited
 */
public record ServerOptions(
        String nodeId,
        int maxFrameBytes,
        int maxPreAuthFrameBytes,
        long maxUnfinishedFrameBytes,
        long frameTimeoutMs,
        int maxInFlightPerConnection,
        int maxConnections,
        long handshakeTimeoutMs,
        long shutdownTimeoutMs,
        int ioThreads,
        String threadNamePrefix,
        int maxPreAuthConnectionsPerAddress) {
    public static final int DEFAULT_MAX_PRE_AUTH_FRAME_BYTES = 64 * 1024;
    public static final long DEFAULT_MAX_UNFINISHED_FRAME_BYTES = 64L * 1024 * 1024;
    public static final long DEFAULT_FRAME_TIMEOUT_MS = 30_000;
    public static final long DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
    public static final int DEFAULT_MAX_PRE_AUTH_CONNECTIONS_PER_ADDRESS = 64;

    public ServerOptions {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(threadNamePrefix, "threadNamePrefix");
        requireRange("maxFrameBytes", maxFrameBytes, 64, Limits.MAX_FRAME_BYTES);
        requireRange("maxPreAuthFrameBytes", maxPreAuthFrameBytes, 64, Limits.MAX_FRAME_BYTES);
        requireRange("maxUnfinishedFrameBytes", maxUnfinishedFrameBytes, maxFrameBytes, 1L << 40);
        requireRange("frameTimeoutMs", frameTimeoutMs, 1, 3_600_000);
        requireRange("maxInFlightPerConnection", maxInFlightPerConnection, 1, 1_000_000);
        requireRange("maxConnections", maxConnections, 1, 1_000_000);
        requireRange("handshakeTimeoutMs", handshakeTimeoutMs, 1, 3_600_000);
        requireRange("shutdownTimeoutMs", shutdownTimeoutMs, 0, 3_600_000);
        requireRange("ioThreads", ioThreads, 0, 1024);
        requireRange("maxPreAuthConnectionsPerAddress", maxPreAuthConnectionsPerAddress, 1, 1_000_000);
    }

    public static ServerOptions defaults() {
        return new ServerOptions(
                "corral",
                Limits.MAX_FRAME_BYTES,
                DEFAULT_MAX_PRE_AUTH_FRAME_BYTES,
                DEFAULT_MAX_UNFINISHED_FRAME_BYTES,
                DEFAULT_FRAME_TIMEOUT_MS,
                256,
                4096,
                DEFAULT_HANDSHAKE_TIMEOUT_MS,
                5_000,
                0,
                "corral-rpc",
                DEFAULT_MAX_PRE_AUTH_CONNECTIONS_PER_ADDRESS);
    }

    public ServerOptions withNodeId(String value) {
        return with(c -> c.nodeId = value);
    }

    public ServerOptions withMaxFrameBytes(int value) {
        return with(c -> c.maxFrameBytes = value);
    }

    public ServerOptions withMaxPreAuthFrameBytes(int value) {
        return with(c -> c.maxPreAuthFrameBytes = value);
    }

    public ServerOptions withMaxUnfinishedFrameBytes(long value) {
        return with(c -> c.maxUnfinishedFrameBytes = value);
    }

    public ServerOptions withFrameTimeoutMs(long value) {
        return with(c -> c.frameTimeoutMs = value);
    }

    public ServerOptions withMaxInFlightPerConnection(int value) {
        return with(c -> c.maxInFlightPerConnection = value);
    }

    public ServerOptions withMaxConnections(int value) {
        return with(c -> c.maxConnections = value);
    }

    public ServerOptions withHandshakeTimeoutMs(long value) {
        return with(c -> c.handshakeTimeoutMs = value);
    }

    public ServerOptions withShutdownTimeoutMs(long value) {
        return with(c -> c.shutdownTimeoutMs = value);
    }

    public ServerOptions withIoThreads(int value) {
        return with(c -> c.ioThreads = value);
    }

    public ServerOptions withThreadNamePrefix(String value) {
        return with(c -> c.threadNamePrefix = value);
    }

    public ServerOptions withMaxPreAuthConnectionsPerAddress(int value) {
        return with(c -> c.maxPreAuthConnectionsPerAddress = value);
    }

    private static void requireRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    /** This record with the fields {@code change} sets on a copy of it; checked again by the constructor. */
    private ServerOptions with(java.util.function.Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return c.build();
    }

    /** A mutable copy of the fields, for the {@code with...} methods. */
    private static final class Copy {

        String nodeId;

        int maxFrameBytes;

        int maxPreAuthFrameBytes;

        long maxUnfinishedFrameBytes;

        long frameTimeoutMs;

        int maxInFlightPerConnection;

        int maxConnections;

        long handshakeTimeoutMs;

        long shutdownTimeoutMs;

        int ioThreads;

        String threadNamePrefix;

        int maxPreAuthConnectionsPerAddress;

        Copy(ServerOptions o) {

            nodeId = o.nodeId;

            maxFrameBytes = o.maxFrameBytes;

            maxPreAuthFrameBytes = o.maxPreAuthFrameBytes;

            maxUnfinishedFrameBytes = o.maxUnfinishedFrameBytes;

            frameTimeoutMs = o.frameTimeoutMs;

            maxInFlightPerConnection = o.maxInFlightPerConnection;

            maxConnections = o.maxConnections;

            handshakeTimeoutMs = o.handshakeTimeoutMs;

            shutdownTimeoutMs = o.shutdownTimeoutMs;

            ioThreads = o.ioThreads;

            threadNamePrefix = o.threadNamePrefix;

            maxPreAuthConnectionsPerAddress = o.maxPreAuthConnectionsPerAddress;
        }

        ServerOptions build() {
            return new ServerOptions(
                    nodeId,
                    maxFrameBytes,
                    maxPreAuthFrameBytes,
                    maxUnfinishedFrameBytes,
                    frameTimeoutMs,
                    maxInFlightPerConnection,
                    maxConnections,
                    handshakeTimeoutMs,
                    shutdownTimeoutMs,
                    ioThreads,
                    threadNamePrefix,
                    maxPreAuthConnectionsPerAddress);
        }
    }
}
