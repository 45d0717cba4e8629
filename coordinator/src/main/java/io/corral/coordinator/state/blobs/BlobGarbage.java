package io.corral.coordinator.state.blobs;

import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Scans;
import io.corral.coordinator.state.kv.Space;
import java.util.List;

/** Collection of blobs no task refers to and of uploads nobody sealed, each oldest first and bounded per entry. */
public final class BlobGarbage {
    private BlobGarbage() {}

    /** Deletes at most {@code max} blobs unreferenced since {@code nowMs - retentionMs} or earlier. */
    public static int collectUnreferenced(KvTxn txn, long nowMs, long retentionMs, int max) {
        List<byte[]> keys = Scans.keysUpTo(txn, Space.BLOBS_UNREFERENCED, nowMs - retentionMs, max);
        for (byte[] key : keys) {
            String sha = BlobKeys.timedSha(key);
            BlobRecord blob = Blobs.sealed(txn, sha);
            if (blob == null || blob.refCount() != 0 || blob.unreferencedSinceMs() != BlobKeys.timedMs(key)) {
                throw new IllegalStateException("BLOBS_UNREFERENCED lists " + sha + " but its record is " + blob);
            }
            Scans.deletePrefix(txn, Space.BLOB_CHUNKS, BlobKeys.chunks(sha));
            BlobGrants.forget(txn, sha);
            txn.delete(Space.BLOBS, BlobKeys.blob(sha));
            txn.delete(Space.BLOBS_UNREFERENCED, key);
            Blobs.countStored(txn, -1, -blob.size());
        }
        return keys.size();
    }

    /** Deletes at most {@code max} uploads started at {@code nowMs - retentionMs} or earlier and never sealed. */
    public static int collectUploads(KvTxn txn, long nowMs, long retentionMs, int max) {
        List<byte[]> keys = Scans.keysUpTo(txn, Space.UPLOADS_BY_AGE, nowMs - retentionMs, max);
        for (byte[] key : keys) {
            String sha = BlobKeys.timedSha(key);
            UploadRecord upload = Blobs.upload(txn, sha);
            if (upload == null || upload.startedAtMs() != BlobKeys.timedMs(key)) {
                throw new IllegalStateException("UPLOADS_BY_AGE lists " + sha + " but its record is " + upload);
            }
            Blobs.deleteUpload(txn, sha, upload);
        }
        return keys.size();
    }

    /** Whether {@link #collectUnreferenced} or {@link #collectUploads} would find anything. */
    public static boolean hasGarbage(KvView view, long nowMs, long blobRetentionMs, long uploadRetentionMs) {
        return Scans.firstIsDue(view, Space.BLOBS_UNREFERENCED, nowMs - blobRetentionMs)
                || Scans.firstIsDue(view, Space.UPLOADS_BY_AGE, nowMs - uploadRetentionMs);
    }
}
