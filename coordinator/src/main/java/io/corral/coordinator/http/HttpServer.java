package io.corral.coordinator.http;

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
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The coordinator's HTTP port: health, Prometheus metrics and JSON status for operators and load balancers. Requests
 * are tiny GETs; anything else is refused, and a body over {@link #MAX_REQUEST_BYTES} closes the connection.
 */
public final class HttpServer implements AutoCloseable {
    static final int MAX_REQUEST_BYTES = 64 * 1024;

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
        return start(bind, routes, null, null);
    }

    /**
     * Starts serving {@code routes}, over HTTPS when {@code tls} is given (a plain HTTP request is then answered 400
     * and closed), with tokens required as {@code auth} says (null: none).
     */
    public static HttpServer start(
            InetSocketAddress bind, Map<String, Supplier<Reply>> routes, ServerTls tls, HttpAuth auth)
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
                                    .addLast(new HttpServerCodec())
                                    .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                    .addLast(new Router(routes, auth));
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

    private static final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Map<String, Supplier<Reply>> routes;
        private final HttpAuth auth;

        Router(Map<String, Supplier<Reply>> routes, HttpAuth auth) {
            this.routes = routes;
            this.auth = auth;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
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

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
