package io.corral.protocol;

import java.util.Objects;

/**
 * One frame on the wire: a request id chosen by the caller and the message. A response carries the id of the request
 * it answers, so a connection can have many requests in flight.
 */
public record Envelope(long id, Message message) {
    public Envelope {
        Objects.requireNonNull(message, "message");
        if (id < 0) {
            throw new IllegalArgumentException("request id must be >= 0, got " + id);
        }
    }
}
