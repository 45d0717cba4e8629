package io.corral.coordinator.state.blobs;

import io.corral.coordinator.state.Applied;
import io.corral.coordinator.state.Checks;
import io.corral.coordinator.state.Codec;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.InvalidCommandException;
import io.corral.coordinator.state.MetaCounters;
import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Scans;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import io.corral.protocol.Response;
import io.corral.protocol.images.ImageSniffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Content-addressed image bytes: uploads in chunks, sealing (hash check), reference counts held by tasks, and
 * collection of unreferenced blobs and abandoned uploads. Identical images are stored once.
 */
public final class Blobs {
    private Blobs() {}

    /** Chunks of an image of {@code size} bytes: all {@link Limits#MAX_CHUNK_BYTES} long except the last. */
    public static int chunkCount(long size) {
        return (int) ((size + Limits.MAX_CHUNK_BYTES - 1) / Limits.MAX_CHUNK_BYTES);
    }

    public static int chunkLength(long size, int index) {
        int last = chunkCount(size) - 1;
        return index < last ? Limits.MAX_CHUNK_BYTES : (int) (size - (long) last * Limits.MAX_CHUNK_BYTES);
    }

    public static void requireSize(String field, long size, CoreLimits limits) {
        if (size < 1) {
            throw Checks.bad(field + " must be at least 1 byte, got " + size);
        }
        if (size > limits.maxImageBytes()) {
            throw new InvalidCommandException(
                    ErrorCode.TOO_LARGE,
                    field + " " + size + " bytes exceeds the limit of " + limits.maxImageBytes() + " bytes");
        }
    }

    public static void validate(Command.PutChunk c, CoreLimits limits) {
        Checks.requireSha256("sha256", c.sha256());
        requireSize("size", c.size(), limits);
        int chunks = chunkCount(c.size());
        if (c.index() < 0 || c.index() >= chunks) {
            throw Checks.bad("chunk index " + c.index() + " is out of range: an image of " + c.size()
                    + " bytes has chunks 0.." + (chunks - 1));
        }
        int expected = chunkLength(c.size(), c.index());
        if (c.length() != expected) {
            throw Checks.bad("chunk " + c.index() + " of an image of " + c.size() + " bytes must be " + expected
                    + " bytes, declared " + c.length());
        }
        if (c.data() == null) {
            throw Checks.bad("chunk " + c.index() + " carries no data");
        }
        if (c.data().length != c.length()) {
            throw Checks.bad(
                    "chunk " + c.index() + " carries " + c.data().length + " bytes but declares " + c.length());
        }
    }

    public static void validate(Command.SealBlob c, CoreLimits limits) {
        Checks.requireSha256("sha256", c.sha256());
        requireSize("size", c.size(), limits);
        if (c.chunks() != chunkCount(c.size())) {
            throw Checks.bad("an image of " + c.size() + " bytes has " + chunkCount(c.size())
                    + " chunks, the seal declares " + c.chunks());
        }
    }

    public static Applied putChunk(long nowMs, Command.PutChunk c, KvTxn txn) {
        String sha = c.sha256();
        Response stored = new Response.ChunkStored(sha, c.index());
        if (sealed(txn, sha) != null) {
            if (BlobGrants.mayUse(txn, c.tenant(), sha)) {
                // A retry, or a second client of the tenant uploading bytes the cluster already holds.
                return Applied.of(stored);
            }
            return prove(nowMs, c, txn);
        }
        UploadRecord upload = upload(txn, sha);
        if (upload != null && !Objects.equals(upload.tenant(), c.tenant())) {
            return error(
                    ErrorCode.CONFLICT,
                    "another upload of " + sha + " is in progress; upload the image again once it is sealed");
        }
        if (upload != null && upload.size() != c.size()) {
            return error(
                    ErrorCode.CONFLICT,
                    "an upload of " + sha + " with size " + upload.size() + " is in progress; this chunk declares size "
                            + c.size());
        }
        if (upload == null) {
            upload = new UploadRecord(c.size(), chunkCount(c.size()), nowMs, c.tenant());
            txn.put(Space.UPLOADS, BlobKeys.blob(sha), Codec.encode(upload));
            txn.put(Space.UPLOADS_BY_AGE, BlobKeys.timed(nowMs, sha), Keys.EMPTY);
        }
        // A repeated chunk overwrites the earlier copy; the seal verifies whatever is stored.
        txn.put(Space.BLOB_CHUNKS, BlobKeys.chunk(sha, c.index()), c.data());
        return Applied.of(stored);
    }

    /**
     * Closes an upload. A hash mismatch is the one error that writes: the stored chunks can never become this blob, so
     * they are deleted at once (instead of waiting for the upload retention) and the client uploads again.
     */
    public static Applied seal(long nowMs, Command.SealBlob c, KvTxn txn) {
        String sha = c.sha256();
        BlobRecord existing = sealed(txn, sha);
        if (existing != null && BlobGrants.mayUse(txn, c.tenant(), sha)) {
            return Applied.of(new Response.BlobSealed(sha, existing.size()));
        }
        if (existing != null) {
            return sealProof(c, existing, txn);
        }
        UploadRecord upload = upload(txn, sha);
        if (upload == null || !Objects.equals(upload.tenant(), c.tenant())) {
            return error(ErrorCode.BAD_REQUEST, "missing chunk 0: no upload of " + sha + " is in progress");
        }
        if (upload.size() != c.size()) {
            return error(
                    ErrorCode.BAD_REQUEST,
                    "the seal declares " + c.size() + " bytes but the upload of " + sha + " declared " + upload.size());
        }
        MessageDigest digest = sha256();
        long total = 0;
        byte[] head = Keys.EMPTY;
        for (int i = 0; i < c.chunks(); i++) {
            byte[] chunk = txn.get(Space.BLOB_CHUNKS, BlobKeys.chunk(sha, i));
            if (chunk == null) {
                return error(ErrorCode.BAD_REQUEST, "missing chunk " + i + " of " + sha + "; upload it, then seal");
            }
            digest.update(chunk);
            total += chunk.length;
            head = i == 0 ? head(chunk) : head;
        }
        String actual = hex(digest.digest());
        if (total != c.size() || !actual.equals(sha)) {
            deleteUpload(txn, sha, upload);
            return error(
                    ErrorCode.HASH_MISMATCH,
                    "the " + total + " bytes uploaded hash to " + actual + ", not " + sha
                            + "; the upload was discarded, upload the image again");
        }
        txn.delete(Space.UPLOADS, BlobKeys.blob(sha));
        txn.delete(Space.UPLOADS_BY_AGE, BlobKeys.timed(upload.startedAtMs(), sha));
        String format = ImageSniffer.detect(head).orElse(null);
        putRecord(txn, sha, new BlobRecord(c.size(), c.chunks(), 0, true, format, nowMs, nowMs));
        // Sealed but not yet referenced: collectable after the blob retention unless a job refers to it first.
        txn.put(Space.BLOBS_UNREFERENCED, BlobKeys.timed(nowMs, sha), Keys.EMPTY);
        countStored(txn, 1, c.size());
        BlobGrants.grant(txn, c.tenant(), sha);
        return Applied.of(new Response.BlobSealed(sha, c.size()));
    }

    /**
     * A chunk of an image the cluster holds, from a tenant that may not use it yet: it counts towards the tenant's
     * proof when the hash the receiving coordinator computed of its bytes is the stored chunk's. The answer is the
     * same as for a new upload, match or not, so that a chunk says nothing about what the cluster holds.
     */
    private static Applied prove(long nowMs, Command.PutChunk c, KvTxn txn) {
        String sha = c.sha256();
        byte[] storedChunk = txn.get(Space.BLOB_CHUNKS, BlobKeys.chunk(sha, c.index()));
        if (c.chunkSha256() == null || storedChunk == null) {
            // Received before the image was sealed (the coordinator computed no hash): sent again, it will count.
            return Applied.of(new Response.ChunkStored(sha, c.index()));
        }
        boolean matched = c.chunkSha256().equals(hex(sha256().digest(storedChunk)));
        ProofRecord proof = BlobGrants.proof(txn, sha, c.tenant());
        ProofRecord next = (proof == null ? new ProofRecord(List.of(), false, nowMs) : proof).with(c.index(), matched);
        BlobGrants.putProof(txn, sha, c.tenant(), next);
        return Applied.of(new Response.ChunkStored(sha, c.index()));
    }

    /** The seal of a proof: grants the image when every chunk matched, with the answers a new upload would get. */
    private static Applied sealProof(Command.SealBlob c, BlobRecord existing, KvTxn txn) {
        String sha = c.sha256();
        ProofRecord proof = BlobGrants.proof(txn, sha, c.tenant());
        if (proof == null) {
            return error(ErrorCode.BAD_REQUEST, "missing chunk 0: no upload of " + sha + " is in progress");
        }
        if (proof.mismatched() || c.size() != existing.size()) {
            BlobGrants.deleteProof(txn, sha, c.tenant());
            return error(
                    ErrorCode.HASH_MISMATCH,
                    "the bytes uploaded do not hash to " + sha + "; the upload was discarded, upload the image again");
        }
        int missing = proof.firstMissing(existing.chunks());
        if (missing >= 0) {
            return error(ErrorCode.BAD_REQUEST, "missing chunk " + missing + " of " + sha + "; upload it, then seal");
        }
        BlobGrants.deleteProof(txn, sha, c.tenant());
        BlobGrants.grant(txn, c.tenant(), sha);
        return Applied.of(new Response.BlobSealed(sha, existing.size()));
    }

    /** Adds {@code count} references (tasks) to a sealed blob; the caller has checked that it exists. */
    public static void addRefs(KvTxn txn, String sha256, long count) {
        BlobRecord blob = requireSealed(txn, sha256);
        if (blob.refCount() == 0) {
            txn.delete(Space.BLOBS_UNREFERENCED, BlobKeys.timed(blob.unreferencedSinceMs(), sha256));
        }
        putRecord(txn, sha256, blob.withRefs(blob.refCount() + count, 0));
    }

    /** Drops {@code count} references; at zero the blob starts its retention period. */
    public static void releaseRefs(KvTxn txn, long nowMs, String sha256, long count) {
        BlobRecord blob = requireSealed(txn, sha256);
        long refs = blob.refCount() - count;
        if (refs < 0) {
            throw new IllegalStateException(
                    "blob " + sha256 + " has " + blob.refCount() + " references, releasing " + count);
        }
        if (refs == 0) {
            txn.put(Space.BLOBS_UNREFERENCED, BlobKeys.timed(nowMs, sha256), Keys.EMPTY);
        }
        putRecord(txn, sha256, blob.withRefs(refs, refs == 0 ? nowMs : 0));
    }

    private static BlobRecord requireSealed(KvView view, String sha256) {
        BlobRecord blob = sealed(view, sha256);
        if (blob == null) {
            throw new IllegalStateException("no sealed blob " + sha256 + " although a task refers to it");
        }
        return blob;
    }

    static void putRecord(KvTxn txn, String sha256, BlobRecord blob) {
        txn.put(Space.BLOBS, BlobKeys.blob(sha256), Codec.encode(blob));
    }

    static Applied error(ErrorCode code, String message) {
        return Applied.of(new Response.ErrorReply(code, message));
    }

    /** The sealed blob's record, or null when there is no sealed blob with this address. */
    public static BlobRecord sealed(KvView view, String sha256) {
        byte[] value = view.get(Space.BLOBS, BlobKeys.blob(sha256));
        return value == null ? null : Codec.decode(value, BlobRecord.class);
    }

    static UploadRecord upload(KvView view, String sha256) {
        byte[] value = view.get(Space.UPLOADS, BlobKeys.blob(sha256));
        return value == null ? null : Codec.decode(value, UploadRecord.class);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }

    /** The SHA-256 of {@code bytes}, as 64 lower-case hex digits (an image's address). */
    public static String sha256Hex(byte[] bytes) {
        return hex(sha256().digest(bytes));
    }

    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    static byte[] head(byte[] firstChunk) {
        return Arrays.copyOf(firstChunk, Math.min(firstChunk.length, ImageSniffer.HEAD_BYTES));
    }

    static void deleteUpload(KvTxn txn, String sha, UploadRecord upload) {
        Scans.deletePrefix(txn, Space.BLOB_CHUNKS, BlobKeys.chunks(sha));
        txn.delete(Space.UPLOADS, BlobKeys.blob(sha));
        txn.delete(Space.UPLOADS_BY_AGE, BlobKeys.timed(upload.startedAtMs(), sha));
    }

    static void countStored(KvTxn txn, long blobs, long bytes) {
        MetaCounters.add(txn, MetaCounters.BLOBS_STORED, blobs);
        MetaCounters.add(txn, MetaCounters.BLOB_BYTES_STORED, bytes);
    }
}
