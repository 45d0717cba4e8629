package io.corral.protocol.ops;

/** An operation that does not follow the grammar; the message names the operation and the rule it breaks. */
public final class InvalidOperationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidOperationException(String message) {
        super(message);
    }
}
