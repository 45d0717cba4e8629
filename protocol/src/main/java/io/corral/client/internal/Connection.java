package io.corral.client.internal;

import io.corral.client.ClientOptions;
import io.corral.client.CorralException;
import io.corral.client.HostPort;
import io.corral.protocol.Envelope;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.codec.MalformedMessageException;
import io.corral.protocol.transport.internal.FrameDecoder;
import io.corral.protocol.transport.internal.Frames;
import io.corral.protocol.transport.internal.OversizedFrame;
import io.corral.tls.internal.TlsFailures;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One handshaken connection to one coordinator, with its requests in flight. It never reconnects: when it drops,
 * every request in flight fails with UNAVAILABLE ("outcome unknown") and the client opens another connection.
 */
public final class Connection {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    private final HostPort target;
    private final ClientOptions options;
    private final Executor callbacks;
    private final Consumer<Response> pushes;
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private volatile Channel channel;
    /**
     * Why the coordinator's TLS ended the connection after the handshake, if it did: with TLS 1.3 a server checks the
     * client's certificate after the client considers the handshake done, so a refused certificate shows up as an
     * alert on the first read, and the requests then in flight (the Hello) must say so instead of "connection lost".
     */
    private volatile TlsFailures.Failure tlsRefusal;

    private record Pending(Request request, CompletableFuture<Response> answer, ScheduledFuture<?> timeout) {}

    private Connection(HostPort target, ClientOptions options, Executor callbacks, Consumer<Response> pushes) {
        this.target = target;
        this.options = options;
        this.callbacks = callbacks;
        this.pushes = pushes;
    }

    /**
     * Connects and does the handshake. Fails with UNAVAILABLE when the coordinator cannot be reached, TIMEOUT when
     * it does not answer Hello in time, or the coordinator's own code (UNSUPPORTED_VERSION) when it refuses.
     *
     * @param callbacks runs completions and push listeners, so user code never runs on the I/O thread
     * @param pushes receives server-initiated messages (envelope id 0)
     */
    public static CompletableFuture<Connection> open(
            EventLoopGroup group,
            HostPort target,
            ClientOptions options,
            Executor callbacks,
            Consumer<Response> pushes) {
        Connection connection = new Connection(target, options, callbacks, pushes);
        CompletableFuture<Connection> result = new CompletableFuture<>();
        ChannelFuture connect = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeoutMs())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (options.tls() != null) {
                            SslHandler tls = options.tls().newHandler(ch.alloc(), target.host(), target.port());
                            tls.setHandshakeTimeoutMillis(options.connectTimeoutMs());
                            ch.pipeline().addLast("tls", tls);
                        }
                        ch.pipeline()
                                .addLast("frames", new FrameDecoder(options.maxFrameBytes()))
                                .addLast("rpc", connection.new Handler());
                    }
                })
                .connect(target.host(), target.port());
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new CorralException(
                        ErrorCode.UNAVAILABLE, "cannot connect to " + target + ": " + describe(f.cause()), f.cause()));
                return;
            }
            connection.channel = connect.channel();
            SslHandler tls = connect.channel().pipeline().get(SslHandler.class);
            if (tls == null) {
                connection.handshake(result);
                return;
            }
            tls.handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    connection.handshake(result);
                } else {
                    connection.close();
                    result.completeExceptionally(
                            tlsFailure(target, h.cause(), options.tls().hasCertificate()));
                }
            });
        });
        return result;
    }

    /**
     * A certificate or configuration problem (definitive) is UNAUTHENTICATED, which a client does not retry; a
     * connection lost during the handshake is UNAVAILABLE, like any lost connection.
     */
    private static CorralException tlsFailure(HostPort target, Throwable cause, boolean ownCertificate) {
        TlsFailures.Failure f = TlsFailures.describe(cause, TlsFailures.Side.CLIENT, ownCertificate);
        return new CorralException(
                f.definitive() ? ErrorCode.UNAUTHENTICATED : ErrorCode.UNAVAILABLE,
                "TLS with " + target + " failed: " + f.message(),
                cause);
    }

    private void handshake(CompletableFuture<Connection> result) {
        Request hello = new Request.Hello(Limits.PROTOCOL_VERSION, options.clientName(), options.token());
        send(hello, options.connectTimeoutMs()).whenComplete((answer, error) -> {
            if (error == null && answer instanceof Response.Welcome) {
                result.complete(this);
                return;
            }
            close();
            if (error != null) {
                result.completeExceptionally(error);
            } else if (answer instanceof Response.ErrorReply refused) {
                result.completeExceptionally(
                        new CorralException(refused.code(), target + " refused the connection: " + refused.message()));
            } else {
                result.completeExceptionally(new CorralException(
                        ErrorCode.INTERNAL,
                        target + " answered Hello with " + answer.getClass().getSimpleName()));
            }
        });
    }

    public HostPort target() {
        return target;
    }

    public boolean isOpen() {
        Channel ch = channel;
        return ch != null && ch.isActive();
    }

    /** Completes when the connection has closed, for whatever reason. */
    public ChannelFuture closeFuture() {
        return channel.closeFuture();
    }

    /** Closes the connection; requests in flight fail with UNAVAILABLE. */
    public ChannelFuture close() {
        return channel.close();
    }

    /**
     * Sends one request. The future completes with the coordinator's answer (an ErrorReply included), or fails with
     * a {@link CorralException}: TOO_LARGE (not sent), TIMEOUT or UNAVAILABLE (outcome unknown).
     */
    public CompletableFuture<Response> send(Request request, long timeoutMs) {
        CompletableFuture<Response> answer = new CompletableFuture<>();
        long id = nextId.getAndIncrement();
        ByteBuf frame = Frames.encode(channel.alloc(), new Envelope(id, request));
        int payloadBytes = Frames.payloadBytes(frame);
        if (payloadBytes > options.maxFrameBytes()) {
            frame.release();
            answer.completeExceptionally(new CorralException(
                    ErrorCode.TOO_LARGE,
                    typeOf(request) + " is " + payloadBytes + " bytes, more than the frame limit of "
                            + options.maxFrameBytes() + " bytes"));
            return answer;
        }
        ScheduledFuture<?> timeout =
                channel.eventLoop().schedule(() -> timedOut(id, timeoutMs), timeoutMs, TimeUnit.MILLISECONDS);
        pending.put(id, new Pending(request, answer, timeout));
        channel.writeAndFlush(frame).addListener(written -> {
            if (!written.isSuccess()) {
                fail(id, lost(request));
            }
        });
        // The channel may have closed before the entry was registered; channelInactive would then have missed it.
        if (!channel.isActive()) {
            fail(id, lost(request));
        }
        return answer;
    }

    private void timedOut(long id, long timeoutMs) {
        Pending p = pending.get(id);
        if (p != null) {
            fail(
                    id,
                    new CorralException(
                            ErrorCode.TIMEOUT,
                            "no answer to " + typeOf(p.request()) + " from " + target + " within " + timeoutMs
                                    + " ms; its outcome is unknown"));
        }
    }

    private void fail(long id, CorralException error) {
        Pending p = pending.remove(id);
        if (p != null) {
            p.timeout().cancel(false);
            deliver(() -> p.answer().completeExceptionally(error));
        }
    }

    private CorralException lost(Request request) {
        TlsFailures.Failure refusal = tlsRefusal;
        if (refusal != null) {
            return new CorralException(
                    ErrorCode.UNAUTHENTICATED, "TLS with " + target + " failed: " + refusal.message());
        }
        return new CorralException(
                ErrorCode.UNAVAILABLE,
                "connection to " + target + " lost; the outcome of " + typeOf(request) + " is unknown");
    }

    private void onEnvelope(Envelope envelope) {
        if (!(envelope.message() instanceof Response response)) {
            log.warn("{} sent a request ({}); closing", target, typeOf(envelope.message()));
            channel.close();
            return;
        }
        if (envelope.id() == 0) {
            deliver(() -> pushes.accept(response));
            return;
        }
        // LockQueued is an interim answer: the acquire stays open until LockGranted or LOCK_HELD.
        if (response instanceof Response.LockQueued) {
            deliver(() -> pushes.accept(response));
            return;
        }
        Pending p = pending.remove(envelope.id());
        if (p == null) {
            log.debug("late answer {} for request {} from {}", typeOf(response), envelope.id(), target);
            return;
        }
        p.timeout().cancel(false);
        deliver(() -> p.answer().complete(response));
    }

    private void failAll() {
        for (Long id : pending.keySet()) {
            Pending p = pending.get(id);
            if (p != null) {
                fail(id, lost(p.request()));
            }
        }
    }

    /** Runs on the callback executor; once the client is closed and it refuses work, runs inline instead. */
    private void deliver(Runnable task) {
        try {
            callbacks.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    private static String typeOf(Object message) {
        return message.getClass().getSimpleName();
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof OversizedFrame oversized) {
                log.warn("{} sent a {}; closing", target, oversized.describe());
                ctx.close();
                return;
            }
            Envelope envelope;
            try {
                envelope = Frames.decode((ByteBuf) msg);
            } catch (MalformedMessageException e) {
                // A coordinator that sends what we cannot read speaks another protocol: nothing it says can be trusted.
                log.warn("{} sent an unreadable frame ({}); closing", target, e.getMessage());
                ctx.close();
                return;
            } finally {
                ReferenceCountUtil.release(msg);
            }
            onEnvelope(envelope);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            failAll();
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (TlsFailures.isTls(cause)) {
                TlsFailures.Failure f = TlsFailures.describe(
                        cause,
                        TlsFailures.Side.CLIENT,
                        options.tls() != null && options.tls().hasCertificate());
                if (f.definitive()) {
                    tlsRefusal = f;
                }
            }
            log.debug("closing connection to {} after {}", target, cause.toString());
            ctx.close();
        }
    }
}
