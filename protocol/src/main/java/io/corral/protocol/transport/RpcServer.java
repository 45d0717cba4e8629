package io.corral.protocol.transport;

import io.corral.protocol.transport.internal.BoundedFrameDecoder;
import io.corral.protocol.transport.internal.EventLoops;
import io.corral.protocol.transport.internal.ServerConnection;
import io.corral.protocol.transport.internal.ServerContext;
import io.corral.protocol.transport.internal.TlsOnly;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty server of the client and agent protocol: length-prefixed JSON frames ({@link
 * io.corral.protocol.codec.Json}), a {@code Hello}/{@code Welcome} handshake, then requests answered by an {@link
 * RpcHandler}. The server enforces the protocol's rules so handlers do not have to:
 *
 * <ul>
 *   <li>a frame above {@link ServerOptions#maxFrameBytes()}, or above {@link ServerOptions#maxPreAuthFrameBytes()}
 *       before the Hello is accepted, is answered TOO_LARGE and the connection closed;
 *   <li>a frame not complete {@link ServerOptions#frameTimeoutMs()} after its first byte is answered TIMEOUT and the
 *       connection closed; a connection without Hello after {@link ServerOptions#handshakeTimeoutMs()} is closed;
 *   <li>the bytes held in unfinished frames, across connections, never exceed {@link
 *       ServerOptions#maxUnfinishedFrameBytes()}: when full, the slowest unfinished frame's connection is closed to
 *       make room (OVERLOADED), or, when none has stalled, the one that needs room;
 *   <li>a payload that does not decode is answered BAD_REQUEST (with its id if readable) and the connection stays
 *       open, except before the handshake, where the peer may not speak the protocol at all;
 *   <li>a first message other than Hello is answered BAD_REQUEST, a Hello of another protocol version
 *       UNSUPPORTED_VERSION, and the connection closed;
 *   <li>more than {@link ServerOptions#maxInFlightPerConnection()} requests in flight: OVERLOADED;
 *   <li>a handler that throws or fails: INTERNAL (or the code of a {@link io.corral.client.CorralException});
 *   <li>with {@link ServerSecurity}: TLS first in every connection's pipeline (a plain client is told so, in the plain
 *       protocol, and closed), and a Hello whose token the {@link Authenticator} does not know is answered
 *       UNAUTHENTICATED and the connection closed. What a principal may send is the handler's business.
 * </ul>
 */
public final class RpcServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RpcServer.class);

    /** Pushes are refused above the high mark; 4 MiB is two full frames queued behind a slow reader. */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(1 << 20, 4 << 20);

    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final Channel serverChannel;
    private final ServerContext context;
    private final ChannelGroup connections;
    private final ServerOptions options;
    private boolean closed;

    private RpcServer(
            EventLoopGroup acceptor,
            EventLoopGroup workers,
            Channel serverChannel,
            ServerContext context,
            ChannelGroup connections,
            ServerOptions options) {
        this.acceptor = acceptor;
        this.workers = workers;
        this.serverChannel = serverChannel;
        this.context = context;
        this.connections = connections;
        this.options = options;
    }

    /**
     * Binds and starts serving.
     *
     * @param bind the address to listen on; port 0 picks a free port (see {@link #boundAddress()})
     * @throws IOException if the address cannot be bound (in use, not local, no permission)
     */
    public static RpcServer start(InetSocketAddress bind, RpcHandler handler, ServerOptions options)
            throws IOException {
        return start(bind, handler, options, ServerSecurity.none());
    }

    /**
     * Binds and starts serving with TLS and/or token authentication ({@link ServerSecurity}).
     *
     * @param bind the address to listen on; port 0 picks a free port (see {@link #boundAddress()})
     * @throws IOException if the address cannot be bound (in use, not local, no permission)
     */
    public static RpcServer start(
            InetSocketAddress bind, RpcHandler handler, ServerOptions options, ServerSecurity security)
            throws IOException {
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(options, "options");
        String prefix = options.threadNamePrefix();
        EventLoopGroup acceptor = EventLoops.nio(1, prefix + "-accept", false);
        EventLoopGroup workers = EventLoops.nio(options.ioThreads(), prefix + "-io", false);
        ChannelGroup connections = new DefaultChannelGroup(prefix, GlobalEventExecutor.INSTANCE);
        ServerContext context = new ServerContext(handler, options, connections, security);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        connections.add(channel);
                        if (security.tls() != null) {
                            // First: every byte after the TLS handshake is decrypted before it is framed.
                            channel.pipeline()
                                    .addLast("tls", new TlsOnly(security.tls().context()));
                        }
                        BoundedFrameDecoder frames = new BoundedFrameDecoder(
                                context.frames(),
                                options.maxFrameBytes(),
                                options.maxPreAuthFrameBytes(),
                                options.frameTimeoutMs());
                        channel.pipeline()
                                .addLast("frames", frames)
                                .addLast("rpc", new ServerConnection(context, frames));
                    }
                });
        ChannelFuture bound = bootstrap.bind(bind).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            acceptor.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            Throwable cause = bound.cause();
            throw new IOException("cannot listen on " + bind + ": " + cause.getMessage(), cause);
        }
        log.info(
                "listening on {} as {}{}{}",
                bound.channel().localAddress(),
                options.nodeId(),
                security.tls() == null
                        ? ""
                        : ", TLS (client certificates: " + security.tls().clientAuth() + ")",
                security.authenticator() == null ? "" : ", tokens required");
        return new RpcServer(acceptor, workers, bound.channel(), context, connections, options);
    }

    /**
     * What the limits did: connections open, bytes held in unfinished frames (now, at most ever, the limit) and
     * connections closed by each limit since the start.
     */
    public record LimitStats(
            int connections,
            long unfinishedFrameBytes,
            long peakUnfinishedFrameBytes,
            long maxUnfinishedFrameBytes,
            Map<ConnectionLimit, Long> closed) {
        public LimitStats {
            closed = Map.copyOf(closed);
        }
    }

    public LimitStats limitStats() {
        return new LimitStats(
                connections.size(),
                context.frames().usedBytes(),
                context.frames().peakBytes(),
                context.frames().maxBytes(),
                context.closed().counts());
    }

    /** The address actually bound, with the chosen port when started on port 0. */
    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /**
     * Whether the server still serves: not closed, its listening socket open, and each of its event loops runs a
     * no-op within {@code timeoutMs} (for health checks; a blocked loop leaves its connections hanging).
     */
    public boolean responsive(long timeoutMs) {
        synchronized (this) {
            if (closed) {
                return false;
            }
        }
        return serverChannel.isActive()
                && EventLoopProbe.responsive(acceptor, timeoutMs)
                && EventLoopProbe.responsive(workers, timeoutMs);
    }

    /**
     * Stops gracefully: stops accepting connections, answers new requests UNAVAILABLE, waits up to {@link
     * ServerOptions#shutdownTimeoutMs()} for the requests being handled to be answered, then closes every connection
     * and the event loops. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Refuse requests before refusing connections, so a client that cannot connect knows requests are refused too.
        context.beginClose();
        serverChannel.close().awaitUninterruptibly();
        try {
            if (!context.drain(options.shutdownTimeoutMs())) {
                log.warn("closing with requests still in flight after {} ms", options.shutdownTimeoutMs());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connections.close().awaitUninterruptibly();
        long quietMs = 0;
        acceptor.shutdownGracefully(quietMs, options.shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
        workers.shutdownGracefully(quietMs, options.shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
        acceptor.terminationFuture().awaitUninterruptibly();
        workers.terminationFuture().awaitUninterruptibly();
        log.info("stopped listening on {}", serverChannel.localAddress());
    }
}
