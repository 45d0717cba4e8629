package io.corral.protocol.transport;

import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.concurrent.CompletableFuture;

/**
 * What a service plugs into {@link RpcServer}: the coordinator's client API, later the worker protocol. The server
 * has already done the handshake, the framing and the decoding; the request has passed the codec's null checks (see
 * {@link io.corral.protocol.codec.Json}).
 *
 * <p>Threading: {@link #handle} is called on the connection's event loop thread and must not block; blocking work
 * (a Raft round trip, disk) belongs on another executor, with the returned future completed from there. Responses
 * may complete in any order; the server matches them to requests by id.
 *
 * <p>Errors: a typed failure is answered by returning {@link Response.ErrorReply}, or by failing the future (or
 * throwing) with a {@link io.corral.client.CorralException}, whose code is kept (so a follower that forwards to the
 * leader through a client passes UNAVAILABLE on). Any other exception, or a null response, is answered with
 * {@link io.corral.protocol.ErrorCode#INTERNAL} and logged; the connection and the server keep serving.
 */
public interface RpcHandler {

    CompletableFuture<Response> handle(Request request, Session session);

    /** The connection of a session that completed its handshake is closed, by either side. Must not block. */
    default void onClose(Session session) {}
}
