package io.corral.coordinator.state;

import io.corral.protocol.Response;
import java.util.List;

/** The outcome of applying one entry: the reply for the client that sent it, and the events it caused. */
public record Applied(Response reply, List<Event> events) {
    public static Applied of(Response reply) {
        return new Applied(reply, List.of());
    }
}
