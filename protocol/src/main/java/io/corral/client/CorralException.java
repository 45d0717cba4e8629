package io.corral.client;

import io.corral.protocol.ErrorCode;
import java.util.Objects;

/**
 * A request that did not succeed, with the typed code that says why and whether retrying can help ({@link
 * ErrorCode#retryable()}). Branch on {@link #code()}, never on the message.
 */
public final class CorralException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public CorralException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public CorralException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }

    @Override
    public String toString() {
        return "CorralException[" + code + "]: " + getMessage();
    }
}
