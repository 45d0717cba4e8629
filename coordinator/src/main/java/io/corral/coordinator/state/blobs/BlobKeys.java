package io.corral.coordinator.state.blobs;

import io.corral.coordinator.state.kv.Keys;

/**
 * Keys of the blob spaces. A SHA-256 is always 64 ASCII bytes, so it can sit anywhere in a key without a separator.
 *
 * <pre>
 * BLOBS               sha256                          -> BlobRecord
 * BLOB_CHUNKS         sha256 | u32 chunk index        -> chunk bytes
 * BLOBS_UNREFERENCED  u64 unreferenced since ms | sha -> empty
 * UPLOADS             sha256                          -> UploadRecord
 * UPLOADS_BY_AGE      u64 started at ms | sha256      -> empty
 * </pre>
 */
public final class BlobKeys {
    static final int SHA_BYTES = 64;

    private BlobKeys() {}

    public static byte[] blob(String sha256) {
        return Keys.utf8(sha256);
    }

    public static byte[] chunk(String sha256, int index) {
        return Keys.concat(Keys.utf8(sha256), Keys.u32(index));
    }

    /** Prefix of every chunk of one blob. */
    public static byte[] chunks(String sha256) {
        return Keys.utf8(sha256);
    }

    public static byte[] timed(long ms, String sha256) {
        return Keys.concat(Keys.u64(ms), Keys.utf8(sha256));
    }

    static long timedMs(byte[] key) {
        return Keys.readU64(key, 0);
    }

    static String timedSha(byte[] key) {
        return Keys.utf8(key, 8, 8 + SHA_BYTES);
    }
}
