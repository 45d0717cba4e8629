package io.corral.protocol.transport;

import io.corral.auth.Principal;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * Decides who a connection is from the token of its {@link io.corral.protocol.Request.Hello}, and from the client
 * certificate it showed in the TLS handshake, if any. Called once per connection, on its event loop: it must be quick
 * and must not block. It must compare in constant time and never log or keep the token.
 */
@FunctionalInterface
public interface Authenticator {
    /** The principal the token belongs to; empty for no token (null) or an unknown one. */
    Optional<Principal> authenticate(String token);

    /**
     * The principal of a token presented with {@code clientChain}, the certificate chain the client showed and the
     * TLS handshake verified (empty without TLS or without a client certificate). By default the token alone decides.
     *
     * @throws Refused when the token is known but not acceptable with this certificate
     */
    default Optional<Principal> authenticate(String token, List<X509Certificate> clientChain) throws Refused {
        return authenticate(token);
    }

    /** A known token refused for how it was presented; the message is sent to the client (never the token). */
    final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message);
        }
    }
}
