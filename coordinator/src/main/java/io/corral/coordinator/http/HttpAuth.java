package io.corral.coordinator.http;

import io.corral.auth.AccessTable;
import io.corral.auth.Principal;
import io.corral.protocol.Request;
import io.corral.protocol.transport.Authenticator;
import java.util.Optional;
import java.util.Set;

/**
 * Tokens on the HTTP port, when authentication is on: {@code /health} and {@code /live} stay open (load balancers and
 * liveness probes carry no token); every other path, {@code /metrics} and {@code /v1/cluster} included, needs {@code Authorization:
 * Bearer TOKEN} of a role that may read the cluster's status (admin, submitter, worker or read-only; Prometheus gets a
 * read-only token). Missing or unknown: 401; a role that may not: 403.
 */
public final class HttpAuth {
    /** Paths served without a token. */
    static final Set<String> OPEN = Set.of("/health", "/live");

    private final Authenticator authenticator;

    public HttpAuth(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** The refusal for a request of {@code path} with this {@code Authorization} header (may be null), or null. */
    HttpServer.Reply check(String path, String authorization) {
        if (OPEN.contains(path)) {
            return null;
        }
        String token = bearer(authorization);
        Optional<Principal> principal = token == null ? Optional.empty() : authenticator.authenticate(token);
        if (principal.isEmpty()) {
            return HttpServer.Reply.text(
                    401,
                    token == null
                            ? "authentication is on: send 'Authorization: Bearer TOKEN' (a read-only token will do)\n"
                            : "the token is not known to this coordinator\n");
        }
        if (!AccessTable.permits(principal.get().role(), Request.GetClusterStatus.class)) {
            return HttpServer.Reply.text(403, principal.get() + " may not read " + path + "\n");
        }
        return null;
    }

    /** The token of a {@code Bearer} header, or null. */
    static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.strip();
        if (value.length() <= 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = value.substring(7).strip();
        return token.isEmpty() ? null : token;
    }
}
