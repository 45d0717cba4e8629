package io.corral.coordinator.membership;

import io.corral.protocol.ErrorCode;

/**
 * A membership change is refused or failed: an operating error, answered with an error reply carrying {@link
 * #code()}. A refused change changed nothing.
 */
public final class MembershipException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public MembershipException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
