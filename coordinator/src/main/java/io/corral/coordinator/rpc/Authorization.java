package io.corral.coordinator.rpc;

import io.corral.auth.AccessTable;
import io.corral.auth.Principal;
import io.corral.auth.Role;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.transport.RpcHandler;
import io.corral.protocol.transport.Session;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every request of an authenticated session against the role table ({@link AccessTable}) before the
 * coordinator sees it: a request the session's role may not send is answered PERMISSION_DENIED and changes nothing.
 * In front of the coordinator's handler only when authentication is on; the transport has already refused
 * connections without a known token.
 */
public final class Authorization implements RpcHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Authorization.class);

    private final RpcHandler next;
    private final RpcMetrics metrics;

    public Authorization(RpcHandler next, RpcMetrics metrics) {
        this.next = next;
        this.metrics = metrics;
    }

    @Override
    public CompletableFuture<Response> handle(Request request, Session session) {
        Optional<Principal> principal = session.principal();
        Response.ErrorReply refusal = principal.isEmpty()
                ? new Response.ErrorReply(ErrorCode.UNAUTHENTICATED, "this connection has no token")
                : refusal(principal.get(), request);
        if (refusal == null) {
            return next.handle(request, session);
        }
        LOG.info("refused {} from {}: {}", request.getClass().getSimpleName(), session, refusal.message());
        metrics.observe(request, refusal, 0);
        return CompletableFuture.completedFuture(refusal);
    }

    /** The answer to a request its sender's role may not send, or null when it may. */
    static Response.ErrorReply refusal(Principal principal, Request request) {
        if (AccessTable.permits(principal.role(), request)) {
            return null;
        }
        String allowed = AccessTable.roles(request.getClass()).stream()
                .filter(r -> r != Role.PEER)
                .map(Role::configName)
                .collect(Collectors.joining(", "));
        return new Response.ErrorReply(
                ErrorCode.PERMISSION_DENIED,
                principal + " may not send " + request.getClass().getSimpleName() + " (allowed roles: " + allowed
                        + ")");
    }

    @Override
    public void onClose(Session session) {
        next.onClose(session);
    }
}
