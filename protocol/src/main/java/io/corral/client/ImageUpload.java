package io.corral.client;

import io.corral.client.internal.Backoff;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.images.ImageSniffer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Uploads an image file into the cluster's content-addressed blob store: hash it, skip the upload if the cluster has
 * the bytes already, otherwise send chunks of {@link Limits#MAX_CHUNK_BYTES} and seal. The file is read twice (once
 * to hash, once to send) and never held in memory whole: at most {@link #MAX_CHUNKS_IN_FLIGHT} chunks are.
 */
public final class ImageUpload {
    /** Enough to keep a link busy while the leader commits earlier chunks; bounds memory to 4 MiB of chunk data. */
    public static final int MAX_CHUNKS_IN_FLIGHT = 4;

    /** Attempts per request; chunk puts, HasBlob and SealBlob are idempotent, so retrying them is safe. */
    static final int ATTEMPTS = 5;

    private static final long RETRY_BASE_MS = 100;
    private static final long RETRY_MAX_MS = 2_000;
    private static final int READ_BUFFER_BYTES = 64 * 1024;

    private ImageUpload() {}

    /**
     * Uploads {@code file} unless the cluster already stores its bytes.
     *
     * @param maxImageBytes the largest file accepted (the coordinator enforces its own limit too)
     * @return the reference a {@link Request.SubmitJob} names the image by (file name, SHA-256, size)
     * @throws CorralException TOO_LARGE above {@code maxImageBytes}; BAD_REQUEST for an empty file or one that is
     *     not a JPEG, PNG, GIF, BMP, TIFF or WebP image; or the coordinator's code when the upload fails (for
     *     example HASH_MISMATCH when the file changed while it was being sent)
     * @throws IOException if the file cannot be read
     */
    public static ImageRef upload(CorralClient client, Path file, long maxImageBytes) throws IOException {
        checkUploadable(file, maxImageBytes);
        Digest digest = hash(file, maxImageBytes);
        String name = file.getFileName().toString();
        Response.BlobStatus status =
                client.callWithRetry(new Request.HasBlob(digest.sha256()), Response.BlobStatus.class, ATTEMPTS);
        if (status.present()) {
            return new ImageRef(name, digest.sha256(), digest.size());
        }
        int chunks = putChunks(client, file, digest);
        Response.BlobSealed sealed = client.callWithRetry(
                new Request.SealBlob(digest.sha256(), digest.size(), chunks), Response.BlobSealed.class, ATTEMPTS);
        if (!sealed.sha256().equals(digest.sha256())) {
            throw new CorralException(
                    ErrorCode.INTERNAL, "sealed " + sealed.sha256() + ", expected " + digest.sha256());
        }
        return new ImageRef(name, digest.sha256(), digest.size());
    }

    private record Digest(String sha256, long size) {}

    private static void checkUploadable(Path file, long maxImageBytes) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " is not a regular file");
        }
        long size = Files.size(file);
        if (size == 0) {
            throw new CorralException(ErrorCode.BAD_REQUEST, file + " is empty");
        }
        if (size > maxImageBytes) {
            throw new CorralException(
                    ErrorCode.TOO_LARGE, file + " is " + size + " bytes; the limit is " + maxImageBytes + " bytes");
        }
        if (ImageSniffer.detect(file).isEmpty()) {
            throw new CorralException(
                    ErrorCode.BAD_REQUEST, file + " is not a JPEG, PNG, GIF, BMP, TIFF or WebP image");
        }
    }

    /** First pass: the size counted while hashing is the one declared, in case the file grew since it was stat'ed. */
    private static Digest hash(Path file, long maxImageBytes) throws IOException {
        MessageDigest sha256 = sha256();
        long size = 0;
        byte[] buffer = new byte[READ_BUFFER_BYTES];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                sha256.update(buffer, 0, n);
                size += n;
                if (size > maxImageBytes) {
                    throw new CorralException(
                            ErrorCode.TOO_LARGE,
                            file + " grew beyond the limit of " + maxImageBytes + " bytes while being read");
                }
            }
        }
        return new Digest(HexFormat.of().formatHex(sha256.digest()), size);
    }

    /** Second pass: sends the chunks, at most {@link #MAX_CHUNKS_IN_FLIGHT} at a time; returns the chunk count. */
    private static int putChunks(CorralClient client, Path file, Digest digest) throws IOException {
        int chunks = (int) ((digest.size() + Limits.MAX_CHUNK_BYTES - 1) / Limits.MAX_CHUNK_BYTES);
        Semaphore window = new Semaphore(MAX_CHUNKS_IN_FLIGHT);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<CompletableFuture<?>> sent = new ArrayList<>(chunks);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int index = 0; index < chunks && failure.get() == null; index++) {
                acquire(window);
                byte[] data = readChunk(channel, file, index, digest.size());
                Request.PutChunk put = new Request.PutChunk(digest.sha256(), digest.size(), index, data);
                sent.add(putChunk(client, put, 1).whenComplete((stored, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                    window.release();
                }));
            }
        } finally {
            // Wait for every chunk sent, failed or not, so none is still in flight when this method returns.
            CompletableFuture.allOf(sent.toArray(CompletableFuture<?>[]::new))
                    .handle((ignored, error) -> null)
                    .join();
        }
        if (failure.get() != null) {
            throw CorralClient.unwrap(failure.get());
        }
        return chunks;
    }

    private static CompletableFuture<Response.ChunkStored> putChunk(
            CorralClient client, Request.PutChunk put, int attempt) {
        return client.send(put)
                .thenApply(answer -> CorralClient.expect(put, answer, Response.ChunkStored.class))
                .exceptionallyCompose(error -> {
                    CorralException failed = CorralClient.unwrap(error);
                    if (!failed.code().retryable() || attempt >= ATTEMPTS) {
                        return CompletableFuture.failedFuture(failed);
                    }
                    long pauseMs = Backoff.delayMs(attempt, RETRY_BASE_MS, RETRY_MAX_MS);
                    return CompletableFuture.runAsync(
                                    () -> {}, CompletableFuture.delayedExecutor(pauseMs, TimeUnit.MILLISECONDS))
                            .thenCompose(ignored -> putChunk(client, put, attempt + 1));
                });
    }

    private static byte[] readChunk(FileChannel channel, Path file, int index, long size) throws IOException {
        long position = (long) index * Limits.MAX_CHUNK_BYTES;
        byte[] data = new byte[(int) Math.min(Limits.MAX_CHUNK_BYTES, size - position)];
        ByteBuffer buffer = ByteBuffer.wrap(data);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new EOFException(file + " shrank while being uploaded");
            }
        }
        return data;
    }

    private static void acquire(Semaphore window) throws InterruptedIOException {
        try {
            window.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while uploading");
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
