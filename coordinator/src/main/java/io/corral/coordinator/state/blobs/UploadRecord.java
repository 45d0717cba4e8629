package io.corral.coordinator.state.blobs;

/**
 * An upload not sealed yet ({@code Space.UPLOADS}). The declared size fixes the chunk layout, so every chunk of the
 * upload is checked against it. {@code tenant}: whose upload it is (null without authentication); another tenant's
 * chunks are refused until it is sealed or collected, so nobody gains an image by sealing bytes someone else sent.
 */
public record UploadRecord(long size, int chunks, long startedAtMs, String tenant) {
    public UploadRecord(long size, int chunks, long startedAtMs) {
        this(size, chunks, startedAtMs, null);
    }
}
