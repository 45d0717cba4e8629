package io.corral.protocol.codec;

/**
 * A frame whose payload is not a valid envelope. The message says what is wrong in terms a client author can act on
 * ("unknown message type 'Foo'", "field 'ttlMs' of AcquireLock must be a number").
 */
public final class MalformedMessageException extends Exception {
    private static final long serialVersionUID = 1L;

    private final long id;

    public MalformedMessageException(String message, long id) {
        super(message);
        this.id = id;
    }

    /** The envelope's id if it could be read despite the error, else 0; the error reply carries it. */
    public long id() {
        return id;
    }
}
