package io.corral.coordinator.state.blobs;

import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Space;
import java.security.MessageDigest;

/** Reads sealed blobs back, verifying their content address, for downloads and checks. */
public final class BlobReader {
    private BlobReader() {}

    /**
     * The whole blob, or null when no sealed blob has this address.
     *
     * @throws BlobCorruptException when a chunk is missing or the bytes no longer hash to {@code sha256}
     */
    public static byte[] read(KvView view, String sha256) {
        BlobRecord blob = Blobs.sealed(view, sha256);
        if (blob == null) {
            return null;
        }
        byte[] out = new byte[Math.toIntExact(blob.size())];
        MessageDigest digest = Blobs.sha256();
        int at = 0;
        for (int i = 0; i < blob.chunks(); i++) {
            byte[] chunk = view.get(Space.BLOB_CHUNKS, BlobKeys.chunk(sha256, i));
            if (chunk == null || chunk.length != Blobs.chunkLength(blob.size(), i)) {
                throw new BlobCorruptException("blob " + sha256 + ": chunk " + i + " is "
                        + (chunk == null
                                ? "missing"
                                : chunk.length + " bytes, expected " + Blobs.chunkLength(blob.size(), i)));
            }
            System.arraycopy(chunk, 0, out, at, chunk.length);
            at += chunk.length;
            digest.update(chunk);
        }
        String actual = Blobs.hex(digest.digest());
        if (!actual.equals(sha256)) {
            throw new BlobCorruptException("blob " + sha256 + ": stored bytes hash to " + actual);
        }
        return out;
    }

    /**
     * One chunk of a sealed blob, unverified (the hash covers the whole blob), or null when there is no sealed blob
     * with this address or no such chunk.
     */
    public static byte[] readChunk(KvView view, String sha256, int index) {
        BlobRecord blob = Blobs.sealed(view, sha256);
        if (blob == null || index < 0 || index >= blob.chunks()) {
            return null;
        }
        return view.get(Space.BLOB_CHUNKS, BlobKeys.chunk(sha256, index));
    }

    /**
     * A chunk as stored, of a sealed blob or of an upload still in progress, unverified; null when absent. For the
     * Raft adapter re-sending the data of a PutChunk log entry, never for downloads.
     */
    public static byte[] readStoredChunk(KvView view, String sha256, int index) {
        return view.get(Space.BLOB_CHUNKS, BlobKeys.chunk(sha256, index));
    }
}
