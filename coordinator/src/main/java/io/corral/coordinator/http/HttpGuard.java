package io.corral.coordinator.http;

import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.protocol.transport.internal.TlsOnly;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * First handler of an HTTP connection after TLS, before the HTTP codec: it sees the connection's bytes as they arrive
 * and its answers as they leave. It enforces the connection cap, closes a request whose bytes trickle in for longer
 * than {@code http.requestTimeoutMs} (slowloris: a head or body that never ends holds a connection and its buffers for
 * as long as the client likes) and a connection idle for {@code http.idleTimeoutMs}. A request begins with its first
 * byte and ends with the first byte of its answer. When the port is full, the connection idle or receiving for the
 * longest makes room for the new one ({@link HttpConnections#oldest}); only when none qualifies is the new one refused.
 * The port has one event loop, so every field is touched on that thread but {@link #sinceNanos}, which is volatile.
 */
final class HttpGuard extends ChannelDuplexHandler {
    private final CoordinatorConfig.Http limits;
    private final HttpConnections connections;
    private final boolean tls;
    private boolean counted;
    private boolean receiving;
    private volatile long sinceNanos = System.nanoTime();
    private volatile boolean closing;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;

    HttpGuard(CoordinatorConfig.Http limits, HttpConnections connections, boolean tls) {
        this.limits = limits;
        this.connections = connections;
        this.tls = tls;
    }

    /** When this connection's current state (idle, or receiving a request) began. */
    long sinceNanos() {
        return sinceNanos;
    }

    /** Whether this connection is being closed already (and so is no candidate for eviction). */
    boolean closing() {
        return closing;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        counted = true;
        if (connections.opened(this) > limits.maxConnections() && !makeRoom(ctx)) {
            connections.closed(
                    HttpLimit.MAX_CONNECTIONS,
                    ctx.channel().remoteAddress(),
                    "the port has " + limits.maxConnections() + " connections, its limit");
            refuse(ctx, "503 Service Unavailable", "too many connections to this port; retry later\n");
            return;
        }
        arm(ctx, limits.idleTimeoutMs(), this::idle);
        ctx.fireChannelActive();
    }

    private boolean makeRoom(ChannelHandlerContext ctx) {
        HttpGuard victim = connections.oldest(this, System.nanoTime());
        if (victim == null) {
            return false;
        }
        victim.evict();
        return true;
    }

    /** Closes this connection for a new one (on the port's one event loop, like the caller). */
    private void evict() {
        long ageMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
        connections.closed(
                HttpLimit.SLOW_CONNECTION_EVICTED,
                ctx.channel().remoteAddress(),
                (receiving ? "receiving a request" : "idle") + " for " + ageMs + " ms when the port was full");
        if (receiving) {
            refuse(ctx, "503 Service Unavailable", "closed to make room: the port is full and this request is slow\n");
        } else {
            disarm();
            closing = true;
            ctx.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!receiving) {
            receiving = true;
            sinceNanos = System.nanoTime();
            arm(ctx, limits.requestTimeoutMs(), this::late);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (receiving) {
            receiving = false;
            sinceNanos = System.nanoTime();
            arm(ctx, limits.idleTimeoutMs(), this::idle);
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        disarm();
        if (counted) {
            counted = false;
            connections.gone(this);
        }
        ctx.fireChannelInactive();
    }

    private void late(ChannelHandlerContext ctx) {
        if (!receiving) {
            return;
        }
        connections.closed(
                HttpLimit.REQUEST_TIMEOUT,
                ctx.channel().remoteAddress(),
                "the request did not arrive within " + limits.requestTimeoutMs() + " ms");
        refuse(ctx, "408 Request Timeout", "the request did not arrive within " + limits.requestTimeoutMs() + " ms\n");
    }

    private void idle(ChannelHandlerContext ctx) {
        connections.closed(
                HttpLimit.IDLE_TIMEOUT,
                ctx.channel().remoteAddress(),
                "no request for " + limits.idleTimeoutMs() + " ms");
        closing = true;
        ctx.close();
    }

    /**
     * Answers in plain bytes, below the codec, and closes. Over TLS before the handshake there is no way to answer in
     * words the client can read: it is closed.
     */
    private void refuse(ChannelHandlerContext ctx, String status, String body) {
        disarm();
        closing = true;
        if (!canAnswer(ctx)) {
            ctx.close();
            return;
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + bytes.length + "\r\nConnection: close\r\n\r\n";
        ctx.writeAndFlush(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), bytes))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private boolean canAnswer(ChannelHandlerContext ctx) {
        if (!tls || TlsOnly.isPlaintext(ctx)) {
            return true;
        }
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        return ssl != null && ssl.handshakeFuture().isSuccess();
    }

    private void arm(ChannelHandlerContext ctx, long delayMs, Consumer<ChannelHandlerContext> then) {
        disarm();
        timer = ctx.executor().schedule(() -> then.accept(ctx), delayMs, TimeUnit.MILLISECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
