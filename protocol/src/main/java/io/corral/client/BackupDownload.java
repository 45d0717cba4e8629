package io.corral.client;

import io.corral.backup.BackupManifest;
import io.corral.backup.BackupWriter;
import io.corral.protocol.CheckpointFile;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads a backup of a cluster's whole state into a file ({@code corral cluster backup}). The coordinator the client
 * is connected to opens a checkpoint after a linearizable barrier ({@link Request.OpenBackup}), so the backup holds
 * every write acknowledged before the download started; the files are pulled 1 MiB at a time with a few reads in
 * flight and written through {@link BackupWriter} into {@code FILE.partial}, which is renamed to {@code FILE} only
 * once complete and on disk. Nothing is held in memory beyond the reads in flight.
 *
 * <p>All reads must reach the member that holds the checkpoint: if the connection drops, the member releases it and
 * the download fails (UNAVAILABLE); run it again.
 */
public final class BackupDownload {
    private static final Logger log = LoggerFactory.getLogger(BackupDownload.class);

    /** Reads of 1 MiB in flight per file: enough to hide the round trip, little memory. */
    public static final int READS_IN_FLIGHT = 4;

    /** A finished backup: where, what, and how many bytes of state files it holds. */
    public record Result(Path file, BackupManifest manifest, long bytes) {}

    private BackupDownload() {}

    /** Where a backup to {@code file} is written until it is complete. */
    public static Path partialFile(Path file) {
        return file.resolveSibling(file.getFileName() + ".partial");
    }

    /**
     * Takes a backup through {@code client} into {@code file}.
     *
     * @param overwrite replace {@code file} if it exists; otherwise an existing file is refused
     * @throws FileAlreadyExistsException if {@code file} exists and {@code overwrite} is false (nothing is asked of
     *     the cluster then)
     * @throws CorralException as {@link CorralClient#call} for the cluster's errors
     * @throws IOException when the file cannot be written; the partial file is deleted
     */
    public static Result toFile(CorralClient client, Path file, boolean overwrite) throws IOException {
        if (!overwrite && Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "the backup file exists");
        }
        Path partial = partialFile(file);
        Response.BackupOpened opened = client.call(new Request.OpenBackup(), Response.BackupOpened.class);
        boolean complete = false;
        try {
            BackupManifest written = write(client, opened, partial);
            move(partial, file, overwrite);
            complete = true;
            return new Result(file, written, written.totalBytes());
        } finally {
            close(client, opened.checkpointId());
            if (!complete) {
                Files.deleteIfExists(partial);
            }
        }
    }

    private static BackupManifest write(CorralClient client, Response.BackupOpened opened, Path partial)
            throws IOException {
        List<BackupManifest.FileEntry> files = opened.files().stream()
                .map(f -> new BackupManifest.FileEntry(f.name(), f.size(), null))
                .toList();
        BackupManifest planned = BackupManifest.of(
                BackupManifest.KIND_BACKUP,
                opened.clusterName(),
                opened.nodeId(),
                opened.term(),
                opened.index(),
                opened.createdAtMs(),
                opened.corralVersion(),
                files);
        try (BackupWriter writer = BackupWriter.create(partial, planned)) {
            for (CheckpointFile f : opened.files()) {
                try (OutputStream out = writer.file(f.name())) {
                    copy(client, opened.checkpointId(), f, out);
                }
            }
            return writer.finish();
        }
    }

    private static void copy(CorralClient client, String checkpointId, CheckpointFile f, OutputStream out)
            throws IOException {
        ArrayDeque<CompletableFuture<Response>> inFlight = new ArrayDeque<>();
        long requested = 0;
        long received = 0;
        try {
            while (received < f.size()) {
                while (inFlight.size() < READS_IN_FLIGHT && requested < f.size()) {
                    Request.ReadCheckpoint read =
                            new Request.ReadCheckpoint(checkpointId, f.name(), requested, Limits.MAX_CHUNK_BYTES);
                    inFlight.add(client.send(read));
                    requested += Math.min(Limits.MAX_CHUNK_BYTES, f.size() - requested);
                }
                Response.CheckpointData data = answer(inFlight.poll());
                long expected = Math.min(Limits.MAX_CHUNK_BYTES, f.size() - received);
                if (data.offset() != received || data.data().length != expected) {
                    throw new IOException("checkpoint file " + f.name() + ": got " + data.data().length
                            + " bytes at offset " + data.offset() + ", expected " + expected + " at " + received);
                }
                out.write(data.data());
                received += expected;
            }
        } finally {
            // Reads abandoned by a failure complete on their own; nothing waits for them.
            inFlight.forEach(r -> r.cancel(false));
        }
    }

    private static Response.CheckpointData answer(CompletableFuture<Response> reply) {
        Response r;
        try {
            r = reply.get();
        } catch (ExecutionException e) {
            throw CorralClient.unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CorralException(ErrorCode.UNAVAILABLE, "interrupted during the backup download");
        }
        if (r instanceof Response.ErrorReply e && e.code() == ErrorCode.NOT_FOUND) {
            throw new CorralException(
                    ErrorCode.UNAVAILABLE,
                    "the backup checkpoint is gone: the connection to the coordinator that held it was lost ("
                            + e.message() + "); run the backup again");
        }
        return CorralClient.expect(new Request.ReadCheckpoint("", "", 0, 1), r, Response.CheckpointData.class);
    }

    private static void move(Path partial, Path file, boolean overwrite) throws IOException {
        if (overwrite) {
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
            // Without REPLACE_EXISTING the move refuses a file that appeared meanwhile.
            Files.move(partial, file);
        }
        Path dir = file.toAbsolutePath().getParent();
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Not every file system lets a directory be opened for fsync; the file itself is on disk.
            log.debug("cannot fsync {}: {}", dir, e.toString());
        }
    }

    /** The member also releases the checkpoint when this connection closes; failing to say so here costs nothing. */
    private static void close(CorralClient client, String checkpointId) {
        try {
            client.call(new Request.CloseCheckpoint(checkpointId), Response.Ack.class);
        } catch (CorralException e) {
            log.debug("closing backup checkpoint {} failed: {}", checkpointId, e.toString());
        }
    }
}
