package io.corral.protocol.transport.internal;

import io.corral.auth.Principal;
import io.corral.client.CorralException;
import io.corral.protocol.Envelope;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.Response.ErrorReply;
import io.corral.protocol.codec.MalformedMessageException;
import io.corral.protocol.transport.Authenticator;
import io.corral.protocol.transport.ConnectionLimit;
import io.corral.tls.internal.TlsFailures;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one connection: handshake, limits, dispatch to the handler, error replies. Every field is
 * touched only on the channel's event loop, so none needs synchronization.
 */
public final class ServerConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);

    private final ServerContext server;
    private final BoundedFrameDecoder frames;
    private ChannelHandlerContext ctx;
    private ChannelSession session;
    private ScheduledFuture<?> handshakeTimeout;
    private boolean welcomed;
    private boolean closing;
    /** The remote address while this connection counts among its address's connections without a Hello. */
    private InetAddress preAuthAddress;

    private int inFlight;

    public ServerConnection(ServerContext server, BoundedFrameDecoder frames) {
        this.server = server;
        this.frames = frames;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        session = new ChannelSession(server.newSessionId(), ctx.channel(), server.options.maxFrameBytes());
        if (server.connections.size() > server.options.maxConnections()) {
            closeForLimit(
                    ConnectionLimit.MAX_CONNECTIONS,
                    ErrorCode.OVERLOADED,
                    "this coordinator has " + server.options.maxConnections()
                            + " connections, its limit; try another coordinator or later");
            return;
        }
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote && remote.getAddress() != null) {
            if (!server.enterPreAuth(remote.getAddress())) {
                closeForLimit(
                        ConnectionLimit.PRE_AUTH_CONNECTIONS_PER_ADDRESS,
                        ErrorCode.OVERLOADED,
                        "this address has " + server.options.maxPreAuthConnectionsPerAddress()
                                + " connections that have not said Hello, its limit; try again later");
                return;
            }
            preAuthAddress = remote.getAddress();
        }
        long timeoutMs = server.options.handshakeTimeoutMs();
        handshakeTimeout = ctx.executor()
                .schedule(
                        () -> closeForLimit(
                                ConnectionLimit.HANDSHAKE_TIMEOUT,
                                ErrorCode.BAD_REQUEST,
                                "no Hello within " + timeoutMs + " ms"),
                        timeoutMs,
                        TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FrameRefusal refusal) {
            closeForLimit(refusal.limit(), refusal.code(), refusal.describe());
            return;
        }
        Envelope envelope;
        try {
            if (!welcomed && Frames.fromProtocol2Peer((ByteBuf) msg)) {
                refuseProtocol2Peer();
                return;
            }
            envelope = Frames.decode((ByteBuf) msg);
        } catch (MalformedMessageException e) {
            onMalformed(e);
            return;
        } finally {
            ReferenceCountUtil.release(msg);
        }
        onEnvelope(envelope);
    }

    /**
     * A client of protocol 2 (JSON frames without a JSON length) cannot read our frames; answer once in its own
     * framing, so it reports the version mismatch instead of an unreadable frame, and close.
     */
    private void refuseProtocol2Peer() {
        String text = "client speaks protocol 2 or older, this coordinator speaks " + Limits.PROTOCOL_VERSION
                + "; upgrade the client";
        log.debug("closing {}: {}", ctx.channel().remoteAddress(), text);
        ctx.writeAndFlush(Frames.encodeForProtocol2Peer(
                        ctx.alloc(), new Envelope(0, new ErrorReply(ErrorCode.UNSUPPORTED_VERSION, text))))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Before the handshake the peer may not speak our protocol at all (an HTTP probe, say): stop talking. */
    private void onMalformed(MalformedMessageException e) {
        if (welcomed) {
            reply(e.id(), new ErrorReply(ErrorCode.BAD_REQUEST, e.getMessage()));
        } else {
            replyAndClose(e.id(), ErrorCode.BAD_REQUEST, e.getMessage());
        }
    }

    private void onEnvelope(Envelope envelope) {
        long id = envelope.id();
        if (!(envelope.message() instanceof Request request)) {
            String text = "expected a request, got " + typeOf(envelope.message());
            if (welcomed) {
                reply(id, new ErrorReply(ErrorCode.BAD_REQUEST, text));
            } else {
                replyAndClose(id, ErrorCode.BAD_REQUEST, text);
            }
            return;
        }
        if (!welcomed) {
            handshake(id, request);
        } else if (request instanceof Request.Hello) {
            reply(id, new ErrorReply(ErrorCode.BAD_REQUEST, "Hello was already received on this connection"));
        } else if (id == 0) {
            reply(
                    0,
                    new ErrorReply(
                            ErrorCode.BAD_REQUEST,
                            typeOf(request) + " has request id 0, which is reserved"
                                    + " for server pushes; number requests from 1"));
        } else if (server.isClosing()) {
            reply(id, new ErrorReply(ErrorCode.UNAVAILABLE, "this coordinator is shutting down; try another"));
        } else if (inFlight >= server.options.maxInFlightPerConnection()) {
            reply(
                    id,
                    new ErrorReply(
                            ErrorCode.OVERLOADED,
                            inFlight + " requests are in flight on this connection,"
                                    + " the limit; wait for answers before sending more"));
        } else {
            dispatch(id, request);
        }
    }

    private void handshake(long id, Request request) {
        if (!(request instanceof Request.Hello hello)) {
            replyAndClose(id, ErrorCode.BAD_REQUEST, "expected Hello as the first message, got " + typeOf(request));
            return;
        }
        String badName = ClientNames.problem(hello.client());
        if (badName != null) {
            log.info("refused a client from {}: {}", ctx.channel().remoteAddress(), badName);
            replyAndClose(id, ErrorCode.BAD_REQUEST, badName);
            return;
        }
        if (TlsOnly.isPlaintext(ctx)) {
            log.info(
                    "refused {} from {}: it connected without TLS",
                    hello.client(),
                    ctx.channel().remoteAddress());
            replyAndClose(
                    id,
                    ErrorCode.UNAUTHENTICATED,
                    "this coordinator accepts TLS connections only; connect with TLS (corral --tls-ca FILE,"
                            + " worker tls.trustedCa)");
            return;
        }
        if (hello.protocolVersion() != Limits.PROTOCOL_VERSION) {
            replyAndClose(
                    id,
                    ErrorCode.UNSUPPORTED_VERSION,
                    "client speaks version " + hello.protocolVersion() + ", this coordinator speaks "
                            + Limits.PROTOCOL_VERSION);
            return;
        }
        if (!authenticate(id, hello)) {
            return;
        }
        handshakeTimeout.cancel(false);
        session.clientName(hello.client());
        welcomed = true;
        leavePreAuth();
        frames.welcomed();
        reply(id, new Response.Welcome(Limits.PROTOCOL_VERSION, server.options.nodeId()));
        log.debug("{} connected", session);
    }

    /**
     * With authentication on, the Hello's token must name a principal, or the connection is refused and closed. The
     * token is never logged nor echoed; the refusal says only whether one was sent.
     */
    private boolean authenticate(long id, Request.Hello hello) {
        if (server.security.authenticator() == null) {
            return true;
        }
        Optional<Principal> principal;
        try {
            principal = server.security.authenticator().authenticate(hello.token(), clientChain());
        } catch (Authenticator.Refused e) {
            log.info("refused {} from {}: {}", hello.client(), ctx.channel().remoteAddress(), e.getMessage());
            replyAndClose(id, ErrorCode.UNAUTHENTICATED, e.getMessage());
            return false;
        }
        if (principal.isPresent()) {
            session.principal(principal.get());
            return true;
        }
        String why = hello.hasToken()
                ? "the token is not known to this coordinator (revoked, mistyped, or of another cluster)"
                : "this coordinator requires a token and none was sent (corral --token-file FILE or CORRAL_TOKEN,"
                        + " worker tokenFile)";
        log.info(
                "refused {} from {}: {}",
                hello.client(),
                ctx.channel().remoteAddress(),
                hello.hasToken() ? "unknown token" : "no token");
        replyAndClose(id, ErrorCode.UNAUTHENTICATED, why);
        return false;
    }

    /** The client certificate chain the TLS handshake verified; empty without TLS or without a certificate. */
    private List<X509Certificate> clientChain() {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls == null) {
            return List.of();
        }
        try {
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate c : tls.engine().getSession().getPeerCertificates()) {
                if (c instanceof X509Certificate x) {
                    chain.add(x);
                }
            }
            return List.copyOf(chain);
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
    }

    private void dispatch(long id, Request request) {
        inFlight++;
        server.requestStarted();
        CompletableFuture<Response> answer;
        try {
            answer = server.handler.handle(request, session);
            if (answer == null) {
                answer = CompletableFuture.failedFuture(
                        new IllegalStateException("the handler returned no future for " + typeOf(request)));
            }
        } catch (RuntimeException | Error e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((response, error) -> {
            if (ctx.executor().inEventLoop()) {
                finish(id, request, response, error);
            } else {
                ctx.executor().execute(() -> finish(id, request, response, error));
            }
        });
    }

    private void finish(long id, Request request, Response response, Throwable error) {
        inFlight--;
        Response answer = error != null
                ? errorReply(request, error)
                : response != null
                        ? response
                        : new ErrorReply(ErrorCode.INTERNAL, "the handler answered " + typeOf(request) + " with null");
        reply(id, answer).addListener(f -> server.requestFinished());
    }

    private ErrorReply errorReply(Request request, Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof CorralException typed) {
            return new ErrorReply(typed.code(), typed.getMessage());
        }
        log.warn("handler failed on {} from {}", typeOf(request), session, cause);
        String detail = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new ErrorReply(ErrorCode.INTERNAL, typeOf(request) + " failed: " + detail);
    }

    /**
     * Writes one answer. An answer larger than the frame limit (a huge listing, say) would make the client drop the
     * connection, so it is replaced by a TOO_LARGE error the client can act on.
     */
    private ChannelFuture reply(long id, Response response) {
        ByteBuf frame = Frames.encode(ctx.alloc(), new Envelope(id, response));
        int payloadBytes = Frames.payloadBytes(frame);
        if (payloadBytes > server.options.maxFrameBytes()) {
            frame.release();
            String text = "the answer (" + typeOf(response) + ") is " + payloadBytes
                    + " bytes, more than the frame limit of " + server.options.maxFrameBytes() + " bytes; ask for less";
            frame = Frames.encode(ctx.alloc(), new Envelope(id, new ErrorReply(ErrorCode.TOO_LARGE, text)));
        }
        return ctx.writeAndFlush(frame);
    }

    private void replyAndClose(long id, ErrorCode code, String text) {
        log.debug("closing {}: {} {}", ctx.channel().remoteAddress(), code, text);
        answerAndClose(id, code, text);
    }

    private void answerAndClose(long id, ErrorCode code, String text) {
        closing = true;
        try {
            reply(id, new ErrorReply(code, text)).addListener(ChannelFutureListener.CLOSE);
        } catch (RuntimeException | Error e) {
            // No memory for the answer, say: the connection must still close, or what it holds stays held.
            ctx.close();
            throw e;
        }
    }

    private void leavePreAuth() {
        if (preAuthAddress != null) {
            server.leavePreAuth(preAuthAddress);
            preAuthAddress = null;
        }
    }

    /** A limit closes the connection: counted, logged at most every few seconds per limit, answered with id 0. */
    private void closeForLimit(ConnectionLimit limit, ErrorCode code, String text) {
        if (closing) {
            return; // another limit or rule closes it already: one reason per connection
        }
        server.closed.closed(limit, ctx.channel().remoteAddress(), text);
        answerAndClose(0, code, text);
    }

    /** A failed TLS handshake reaches no handler: log it here, so an operator sees why a client cannot connect. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
            log.info(
                    "TLS handshake from {} failed: {}",
                    ctx.channel().remoteAddress(),
                    TlsFailures.describe(done.cause(), TlsFailures.Side.SERVER).message());
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // A peer that does not read its answers stops being read: its requests wait in its own socket buffer.
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshakeTimeout != null) {
            handshakeTimeout.cancel(false);
        }
        leavePreAuth();
        if (welcomed) {
            try {
                server.handler.onClose(session);
            } catch (RuntimeException e) {
                log.warn("onClose failed for {}", session, e);
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Connection resets and the like: the peer is gone, nothing to answer.
        log.debug("closing {} after {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private static String typeOf(Object message) {
        return message.getClass().getSimpleName();
    }
}
