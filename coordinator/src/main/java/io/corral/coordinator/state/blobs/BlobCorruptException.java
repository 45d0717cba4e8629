package io.corral.coordinator.state.blobs;

/**
 * Stored bytes do not hash to their content address. The store was damaged (disk, bug); the blob must not be served.
 * Unchecked because the caller cannot repair it, only report it and refuse the download.
 */
public final class BlobCorruptException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BlobCorruptException(String message) {
        super(message);
    }
}
