package io.corral.coordinator.state.blobs;

/**
 * A sealed blob ({@code Space.BLOBS}). Only sealed blobs have a record here; uploads in progress live in
 * {@code Space.UPLOADS}.
 *
 * @param size bytes
 * @param chunks number of chunks in {@code Space.BLOB_CHUNKS}
 * @param refCount tasks that refer to the blob; at 0 it is listed in {@code BLOBS_UNREFERENCED}
 * @param sealed always true today; kept so the stored layout can hold unsealed records later without a migration
 * @param format image format sniffed from the first bytes at seal time, or null if the bytes are no image. Sniffing
 *     once at seal time spares every submission from reading a chunk per image.
 * @param sealedAtMs leader time of the seal
 * @param unreferencedSinceMs when the reference count last dropped to 0 (or the seal); 0 while referenced. Part of the
 *     {@code BLOBS_UNREFERENCED} key, so the record says which key to delete.
 */
public record BlobRecord(
        long size,
        int chunks,
        long refCount,
        boolean sealed,
        String format,
        long sealedAtMs,
        long unreferencedSinceMs) {

    BlobRecord withRefs(long refs, long unreferencedSince) {
        return new BlobRecord(size, chunks, refs, sealed, format, sealedAtMs, unreferencedSince);
    }
}
