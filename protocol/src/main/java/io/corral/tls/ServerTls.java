package io.corral.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * The server side of TLS for Corral's Netty ports (the RPC port and the HTTP port): this server's certificate and
 * key, and, for mutual TLS, the CAs whose client certificates it accepts. The JDK's TLS implementation (TLS 1.3 and
 * 1.2), no native library. Immutable; built once at start-up.
 */
public final class ServerTls {
    /** TLS 1.3 first; 1.2 for clients that lack it. Older versions are broken and refused. */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final SslContext context;
    private final ClientAuth clientAuth;

    private ServerTls(SslContext context, ClientAuth clientAuth) {
        this.context = context;
        this.clientAuth = clientAuth;
    }

    /**
     * Reads the files and builds the context.
     *
     * @param trustedCa the CAs of acceptable client certificates; may be null only with {@link ClientAuth#NONE}
     * @param clientAuth NONE: no client certificate asked; OPTIONAL: one is asked for and checked if sent; REQUIRE:
     *     a connection without a valid one is refused during the handshake
     * @throws TlsFileException naming the file and the problem
     */
    public static ServerTls create(Path certChain, Path privateKey, Path trustedCa, ClientAuth clientAuth) {
        Objects.requireNonNull(clientAuth, "clientAuth");
        if (trustedCa == null && clientAuth != ClientAuth.NONE) {
            throw new IllegalArgumentException("client authentication " + clientAuth + " needs trusted CAs");
        }
        SslContextBuilder builder = SslContextBuilder.forServer(
                        TlsMaterial.keyManagers("tls.certChain", certChain, "tls.privateKey", privateKey))
                .sslProvider(SslProvider.JDK)
                .protocols(PROTOCOLS)
                .clientAuth(clientAuth);
        if (trustedCa != null) {
            builder.trustManager(TlsMaterial.trustManagers("tls.trustedCa", trustedCa));
        }
        try {
            return new ServerTls(builder.build(), clientAuth);
        } catch (SSLException e) {
            throw new TlsFileException("tls.certChain", certChain, "cannot serve TLS: " + e.getMessage(), e);
        }
    }

    /**
     * A context built by the caller, which {@link #create} would refuse to build (tests serve an expired certificate
     * with it, to see what a client makes of one).
     */
    public static ServerTls wrap(SslContext context, ClientAuth clientAuth) {
        return new ServerTls(Objects.requireNonNull(context, "context"), Objects.requireNonNull(clientAuth));
    }

    /** A new handler for one accepted connection; it goes first in the connection's pipeline. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        return context.newHandler(alloc);
    }

    /** The context, for a server that installs handlers itself. */
    public SslContext context() {
        return context;
    }

    public ClientAuth clientAuth() {
        return clientAuth;
    }
}
