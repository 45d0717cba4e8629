package io.corral.worker.internal;

import io.corral.client.CorralException;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Image bytes to and from the cluster's content-addressed store, chunk by chunk ({@link Limits#MAX_CHUNK_BYTES} at
 * most), verified by SHA-256. One chunk in flight at a time: the results a worker uploads are small next to the
 * link, and a sequential stream bounds the worker's memory to the image plus one chunk.
 */
public final class Blobs {
    private final ClusterPort port;
    private final long requestTimeoutMs;

    public Blobs(ClusterPort port, long requestTimeoutMs) {
        this.port = port;
        this.requestTimeoutMs = requestTimeoutMs;
    }

    /** Bytes that did not arrive as announced (size or hash): a transfer fault, so a retry may succeed. */
    public static final class TransferException extends Exception {
        private static final long serialVersionUID = 1L;

        TransferException(String message) {
            super(message);
        }
    }

    /**
     * Downloads a blob and checks it against the size and SHA-256 the lease announced.
     *
     * @param maxBytes refuse (as a transfer fault) anything larger, before holding it all in memory
     */
    public byte[] download(String sha256, long expectedSize, long maxBytes)
            throws InterruptedException, TransferException {
        if (expectedSize > maxBytes) {
            throw new TransferException("input is " + expectedSize + " bytes; this worker accepts at most " + maxBytes);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, expectedSize));
        int chunks = 1;
        for (int index = 0; index < chunks; index++) {
            Request.ReadBlobChunk read = new Request.ReadBlobChunk(sha256, index);
            Response.BlobChunk chunk =
                    Calls.expect(read, Calls.retrying(port, read, requestTimeoutMs), Response.BlobChunk.class);
            chunks = chunk.chunks();
            if (out.size() + (long) chunk.data().length > expectedSize) {
                throw new TransferException(
                        "input " + sha256 + " is longer than the announced " + expectedSize + " bytes");
            }
            out.writeBytes(chunk.data());
        }
        byte[] bytes = out.toByteArray();
        if (bytes.length != expectedSize) {
            throw new TransferException(
                    "input " + sha256 + " is " + bytes.length + " bytes, the lease announced " + expectedSize);
        }
        String actual = sha256(bytes);
        if (!actual.equals(sha256)) {
            throw new TransferException("input hashes to " + actual + ", the lease announced " + sha256);
        }
        return bytes;
    }

    /** Uploads {@code bytes} unless the cluster has them already; returns their SHA-256. */
    public String upload(byte[] bytes) throws InterruptedException {
        String sha = sha256(bytes);
        Request.HasBlob has = new Request.HasBlob(sha);
        if (Calls.expect(has, Calls.retrying(port, has, requestTimeoutMs), Response.BlobStatus.class)
                .present()) {
            return sha;
        }
        int chunks = (int) ((bytes.length + (long) Limits.MAX_CHUNK_BYTES - 1) / Limits.MAX_CHUNK_BYTES);
        for (int index = 0; index < chunks; index++) {
            int from = index * Limits.MAX_CHUNK_BYTES;
            byte[] data = Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + Limits.MAX_CHUNK_BYTES));
            Request.PutChunk put = new Request.PutChunk(sha, bytes.length, index, data);
            Calls.expect(put, Calls.retrying(port, put, requestTimeoutMs), Response.ChunkStored.class);
        }
        Request.SealBlob seal = new Request.SealBlob(sha, bytes.length, chunks);
        Response.BlobSealed sealed =
                Calls.expect(seal, Calls.retrying(port, seal, requestTimeoutMs), Response.BlobSealed.class);
        if (!sha.equals(sealed.sha256())) {
            throw new CorralException(ErrorCode.INTERNAL, "sealed " + sealed.sha256() + ", expected " + sha);
        }
        return sha;
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
