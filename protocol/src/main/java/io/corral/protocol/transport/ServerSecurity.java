package io.corral.protocol.transport;

import io.corral.tls.ServerTls;

/**
 * How an {@link RpcServer} protects its port: TLS (null: plain TCP) and token authentication (null: none, every
 * connection is served without a principal). Both off is the development default.
 *
 * <p>With TLS, a client that connects without it is answered, in the plain protocol it speaks, {@code
 * UNAUTHENTICATED} "this coordinator accepts TLS connections only", and closed. With an authenticator, a Hello without
 * a known token is answered {@code UNAUTHENTICATED} and the connection closed; the principal of an accepted one is
 * {@link Session#principal()}.
 */
public record ServerSecurity(ServerTls tls, Authenticator authenticator) {
    public static ServerSecurity none() {
        return new ServerSecurity(null, null);
    }
}
