package io.corral.coordinator.state;

import io.corral.protocol.ErrorCode;

/**
 * A command breaks a rule of the state machine. This is an operating error (bad input from a client), answered with
 * an {@link io.corral.protocol.Response.ErrorReply} carrying {@link #code()}; it never changes state.
 */
public final class InvalidCommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public InvalidCommandException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
