package io.corral.protocol.transport.internal;

import io.corral.protocol.transport.ConnectionLimit;
import io.corral.protocol.transport.RpcHandler;
import io.corral.protocol.transport.ServerOptions;
import io.corral.protocol.transport.ServerSecurity;
import io.netty.channel.group.ChannelGroup;
import java.net.InetAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * What every connection of one server shares: the handler, the limits, the room for unfinished frames, the closes by
 * limit, and the counters close() waits on.
 */
public final class ServerContext {
    final RpcHandler handler;
    final ServerOptions options;
    final ChannelGroup connections;
    final ServerSecurity security;
    final FrameBudget frames;
    final ClosedConnections<ConnectionLimit> closed;
    private final AtomicLong nextSessionId = new AtomicLong(1);
    /** Connections without an accepted Hello, by remote address (entries removed at zero). */
    private final ConcurrentHashMap<InetAddress, Integer> preAuthByAddress = new ConcurrentHashMap<>();

    private final Object inFlightLock = new Object();
    private long inFlight;
    private volatile boolean closing;

    public ServerContext(RpcHandler handler, ServerOptions options, ChannelGroup connections, ServerSecurity security) {
        this.handler = handler;
        this.options = options;
        this.connections = connections;
        this.security = security;
        this.frames = new FrameBudget(options.maxUnfinishedFrameBytes());
        this.closed = new ClosedConnections<>(
                ConnectionLimit.class,
                LoggerFactory.getLogger(ServerConnection.class),
                "rpc",
                Set.of(),
                System::nanoTime);
    }

    public FrameBudget frames() {
        return frames;
    }

    public ClosedConnections<ConnectionLimit> closed() {
        return closed;
    }

    /**
     * Counts one more connection from {@code address} that has not said Hello; false (and nothing counted) when the
     * address has {@link ServerOptions#maxPreAuthConnectionsPerAddress()} already.
     */
    boolean enterPreAuth(InetAddress address) {
        boolean[] admitted = {false};
        preAuthByAddress.compute(address, (a, n) -> {
            int now = n == null ? 0 : n;
            if (now >= options.maxPreAuthConnectionsPerAddress()) {
                return n;
            }
            admitted[0] = true;
            return now + 1;
        });
        return admitted[0];
    }

    /** A connection counted by {@link #enterPreAuth} said Hello or closed. */
    void leavePreAuth(InetAddress address) {
        preAuthByAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    /** Addresses with connections that have not said Hello (for tests: no entry outlives its connections). */
    int preAuthAddresses() {
        return preAuthByAddress.size();
    }

    long newSessionId() {
        return nextSessionId.getAndIncrement();
    }

    boolean isClosing() {
        return closing;
    }

    void requestStarted() {
        synchronized (inFlightLock) {
            inFlight++;
        }
    }

    void requestFinished() {
        synchronized (inFlightLock) {
            inFlight--;
            if (inFlight == 0) {
                inFlightLock.notifyAll();
            }
        }
    }

    /** From now on, new requests are answered UNAVAILABLE. */
    public void beginClose() {
        closing = true;
    }

    /**
     * Refuses new requests from now on and waits until the ones being handled are answered, or until the timeout.
     *
     * @return true if every in-flight request was answered in time
     */
    public boolean drain(long timeoutMs) throws InterruptedException {
        closing = true;
        long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000;
        synchronized (inFlightLock) {
            while (inFlight > 0) {
                long leftMs = (deadlineNs - System.nanoTime()) / 1_000_000;
                if (leftMs <= 0) {
                    return false;
                }
                inFlightLock.wait(leftMs);
            }
        }
        return true;
    }
}
