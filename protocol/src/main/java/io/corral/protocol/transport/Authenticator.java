package io.corral.protocol.transport;

import io.corral.auth.Principal;
import java.util.Optional;

/**
 * Decides who a connection is from the token of its {@link io.corral.protocol.Request.Hello}. Called once per
 * connection, on its event loop: it must be quick and must not block. It must compare in constant time and never
 * log or keep the token.
 */
@FunctionalInterface
public interface Authenticator {
    /** The principal the token belongs to; empty for no token (null) or an unknown one. */
    Optional<Principal> authenticate(String token);
}
