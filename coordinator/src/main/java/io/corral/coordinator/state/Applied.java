package io.corral.coordinator.state;

import io.corral.protocol.Response;
import java.util.List;

/**
 * The outcome of applying one entry: the reply for the client that sent it, the events it caused, and for the lease
 * commands a core result ({@link LeaseResult}) that the adapter maps to a wire message; null for other commands.
 */
public record Applied(Response reply, List<Event> events, LeaseResult result) {
    public Applied(Response reply, List<Event> events) {
        this(reply, events, null);
    }

    public static Applied of(Response reply) {
        return new Applied(reply, List.of());
    }

    /** An accepted lease command: the reply is an Ack, the answer is {@code result}. */
    public static Applied of(LeaseResult result, List<Event> events) {
        return new Applied(new Response.Ack(), events, result);
    }
}
