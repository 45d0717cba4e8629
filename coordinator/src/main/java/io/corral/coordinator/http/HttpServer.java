package io.corral.coordinator.http;

import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.protocol.transport.EventLoopProbe;
import io.corral.protocol.transport.internal.TlsOnly;
import io.corral.tls.ServerTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The coordinator's HTTP port: health, Prometheus metrics and JSON status for operators and load balancers. Requests
 * are tiny GETs; anything else is refused. What a client can make it hold is bounded ({@link CoordinatorConfig.Http}):
 * connections, the size of a request's head and body, the time a request may take to arrive ({@link HttpGuard}), so
 * a few hundred slow or endless requests cannot take the port, or the member's memory, from its operators.
 */
public final class HttpServer implements AutoCloseable {
    /** What a route returns: status, content type and body. */
    public record Reply(int status, String contentType, String body) {
        public static Reply text(int status, String body) {
            return new Reply(status, "text/plain; charset=utf-8", body);
        }

        public static Reply json(int status, String body) {
            return new Reply(status, "application/json", body);
        }
    }

    private final EventLoopGroup group;
    private final Channel channel;

    private HttpServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    public static HttpServer start(InetSocketAddress bind, Map<String, Supplier<Reply>> routes)
            throws InterruptedException {
        return start(bind, routes, null, null, CoordinatorConfig.Http.defaults(), new HttpConnections());
    }

    /**
     * Starts serving {@code routes}, over HTTPS when {@code tls} is given (a plain HTTP request is then answered 400
     * and closed), with tokens required as {@code auth} says (null: none), within {@code limits}; {@code connections}
     * counts what the limits close.
     */
    public static HttpServer start(
            InetSocketAddress bind,
            Map<String, Supplier<Reply>> routes,
            ServerTls tls,
            HttpAuth auth,
            CoordinatorConfig.Http limits,
            HttpConnections connections)
            throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            if (tls != null) {
                                c.pipeline().addLast(new TlsOnly(tls.context()));
                            }
                            c.pipeline()
                                    .addLast(new HttpGuard(limits, connections, tls != null))
                                    .addLast(new HttpServerCodec(new HttpDecoderConfig()
                                            .setMaxInitialLineLength(limits.maxHeaderBytes())
                                            .setMaxHeaderSize(limits.maxHeaderBytes())))
                                    .addLast(new BoundedAggregator(limits.maxBodyBytes(), connections))
                                    .addLast(new Router(routes, auth, connections));
                        }
                    })
                    .bind(bind)
                    .sync()
                    .channel();
            return new HttpServer(group, ch);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully();
            throw e;
        }
    }

    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Whether the server still serves: its socket open and its event loop running a no-op within {@code timeoutMs}. */
    public boolean responsive(long timeoutMs) {
        return channel.isActive() && EventLoopProbe.responsive(group, timeoutMs);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        // No quiet period: the channel is closed, nothing more will be submitted to the loop.
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Netty's aggregator answers a body over the limit with 413 (and closes when the body is under way): counted. */
    private static final class BoundedAggregator extends HttpObjectAggregator {
        private final HttpConnections connections;

        BoundedAggregator(int maxBodyBytes, HttpConnections connections) {
            super(maxBodyBytes);
            this.connections = connections;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
            connections.closed(
                    HttpLimit.BODY_TOO_LARGE,
                    ctx.channel().remoteAddress(),
                    "a body over " + maxContentLength() + " bytes");
            super.handleOversizedMessage(ctx, oversized);
        }
    }

    private static final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Map<String, Supplier<Reply>> routes;
        private final HttpAuth auth;
        private final HttpConnections connections;

        Router(Map<String, Supplier<Reply>> routes, HttpAuth auth, HttpConnections connections) {
            this.routes = routes;
            this.auth = auth;
            this.connections = connections;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (req.decoderResult().isFailure()) {
                refuseUndecodable(ctx, req.decoderResult().cause());
                return;
            }
            String path = new QueryStringDecoder(req.uri()).path();
            Reply reply;
            Reply refusal = auth == null ? null : auth.check(path, req.headers().get(HttpHeaderNames.AUTHORIZATION));
            Supplier<Reply> route = routes.get(path);
            if (TlsOnly.isPlaintext(ctx)) {
                reply = Reply.text(400, "this port serves HTTPS only; use https://\n");
            } else if (refusal != null) {
                reply = refusal;
            } else if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
                reply = Reply.text(405, "only GET is served\n");
            } else if (route == null) {
                reply = Reply.text(404, "no such path; try /health, /metrics or /v1/cluster\n");
            } else {
                try {
                    reply = route.get();
                } catch (RuntimeException e) {
                    reply = Reply.text(500, "error: " + e.getMessage() + "\n");
                }
            }
            FullHttpResponse resp = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(reply.status()),
                    Unpooled.copiedBuffer(reply.body(), StandardCharsets.UTF_8));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
            if (reply.status() == 401) {
                resp.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"corral\"");
            }
            HttpUtil.setContentLength(resp, resp.content().readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(req) && !TlsOnly.isPlaintext(ctx);
            if (keepAlive) {
                resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(resp);
            } else {
                ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
            }
        }

        /** A head over the limits, or not HTTP at all: the codec cannot go on, so answer and close. */
        private void refuseUndecodable(ChannelHandlerContext ctx, Throwable cause) {
            if (!ctx.channel().isActive()) {
                return; // closed mid-request (by the client, or by a limit that counted it): nothing to answer
            }
            HttpResponseStatus status;
            HttpLimit limit;
            if (cause instanceof TooLongHttpLineException) {
                status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
                limit = HttpLimit.HEAD_TOO_LARGE;
            } else if (cause instanceof TooLongHttpHeaderException) {
                status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
                limit = HttpLimit.HEAD_TOO_LARGE;
            } else {
                status = HttpResponseStatus.BAD_REQUEST;
                limit = HttpLimit.MALFORMED_REQUEST;
            }
            connections.closed(limit, ctx.channel().remoteAddress(), String.valueOf(cause.getMessage()));
            FullHttpResponse resp = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1,
                    status,
                    Unpooled.copiedBuffer(status.reasonPhrase() + "\n", StandardCharsets.UTF_8));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            HttpUtil.setContentLength(resp, resp.content().readableBytes());
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
