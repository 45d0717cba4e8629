package io.corral.coordinator.state;

import io.corral.protocol.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of applying one entry: the reply for the client that sent it, the events it caused, and for the lease
 * commands a core result ({@link LeaseResult}) that the adapter maps to a wire message; null for other commands. A
 * {@link Command.Batch} has an outcome per command in {@code parts} (in order; its own reply is an Ack and its events
 * are theirs, in order); every other entry has no parts.
 */
public record Applied(Response reply, List<Event> events, LeaseResult result, List<Applied> parts) {
    public Applied {
        parts = parts == null ? List.of() : parts;
    }

    public Applied(Response reply, List<Event> events, LeaseResult result) {
        this(reply, events, result, List.of());
    }

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

    /** The outcome of a batch: one per command. */
    static Applied batch(List<Applied> parts) {
        List<Event> events = new ArrayList<>();
        parts.forEach(p -> events.addAll(p.events()));
        return new Applied(new Response.Ack(), events, null, List.copyOf(parts));
    }
}
