package io.corral.coordinator.store;

/** A RocksDB failure. The state machine treats it as fatal for the node: state on disk can no longer be trusted. */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
