package io.corral.worker.internal;

import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The worker's one port to the cluster: requests out, answers and pushes in. Production code backs it with a
 * {@link io.corral.client.CorralClient}; tests with an in-memory fake. Keeping it this small (the wire messages
 * themselves) means the fake exercises the same request sequences as the real cluster.
 */
public interface ClusterPort extends AutoCloseable {
    /**
     * Sends a request. The future completes with the answer (maybe an {@link Response.ErrorReply}) or fails with a
     * {@link io.corral.client.CorralException} (UNAVAILABLE, TIMEOUT: the outcome is unknown).
     */
    CompletableFuture<Response> send(Request request);

    /** Registers a listener for pushes (offers, revocations); it must be quick and must not block. */
    void onPush(Consumer<Response> listener);

    /**
     * Registers a listener run when the connection in use is lost (the coordinator stopped or went away); the next
     * request reconnects. It must be quick and must not block.
     */
    void onConnectionLost(Runnable listener);

    /** Where the port is connected right now, for logs. */
    String describe();

    /**
     * Reconnects to the coordinator at {@code rpcAddress} ({@code host:port}, as the cluster reports it) if it is one
     * of the configured ones; requests in flight fail as on a lost connection. False when it cannot.
     */
    default boolean moveTo(String rpcAddress) {
        return false;
    }

    @Override
    void close();
}
