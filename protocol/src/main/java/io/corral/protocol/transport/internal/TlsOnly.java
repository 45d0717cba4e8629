package io.corral.protocol.transport.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.OptionalSslHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AttributeKey;

/**
 * First in the pipeline of a TLS port: looks at the first bytes of a connection. A TLS record makes it a TLS
 * connection (an {@link io.netty.handler.ssl.SslHandler} takes this handler's place); anything else is a client that
 * speaks the plain protocol, which is marked so that {@link ServerConnection} answers its Hello, in the plain protocol
 * it can read, that this port takes TLS only, and closes (the coordinator's HTTPS port does the same for plain HTTP).
 * Without this, such a client would only see its connection drop and could not tell why.
 */
public final class TlsOnly extends OptionalSslHandler {
    static final AttributeKey<Boolean> PLAINTEXT = AttributeKey.valueOf("corral.plaintextOnTlsPort");

    public TlsOnly(SslContext context) {
        super(context);
    }

    @Override
    protected ChannelHandler newNonSslHandler(ChannelHandlerContext ctx) {
        ctx.channel().attr(PLAINTEXT).set(Boolean.TRUE);
        return null; // the frames reach ServerConnection, which refuses the Hello
    }

    /** Whether the connection of {@code ctx} came in without TLS (after {@link TlsOnly} looked at it). */
    public static boolean isPlaintext(ChannelHandlerContext ctx) {
        return Boolean.TRUE.equals(ctx.channel().attr(PLAINTEXT).get());
    }
}
