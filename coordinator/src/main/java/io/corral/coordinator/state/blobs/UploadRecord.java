package io.corral.coordinator.state.blobs;

/**
 * An upload not sealed yet ({@code Space.UPLOADS}). The declared size fixes the chunk layout, so every chunk of the
 * upload is checked against it.
 */
public record UploadRecord(long size, int chunks, long startedAtMs) {}
