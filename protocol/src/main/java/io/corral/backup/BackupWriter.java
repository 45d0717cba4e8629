package io.corral.backup;

import io.corral.backup.internal.Tar;
import io.corral.protocol.codec.Json;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes a backup file: the manifest, then each file of the checkpoint as it is streamed in, then the end of the
 * archive. The manifest comes first but holds every file's SHA-256, which is known only once the file has gone by:
 * it is written with placeholder hashes of the same length and rewritten in place by {@link #finish()}, which is why
 * the target must be a regular file, not a pipe. Nothing is held in memory beyond a buffer.
 */
public final class BackupWriter implements Closeable {
    static final String PLACEHOLDER_SHA256 = "0".repeat(64);
    private static final int BUFFER_BYTES = 1 << 20;

    private final FileChannel channel;
    private final OutputStream out;
    private final BackupManifest planned;
    private final long mtimeMs;
    private final int manifestBytes;
    private final List<BackupManifest.FileEntry> written = new ArrayList<>();
    private boolean entryOpen;
    private boolean finished;

    private BackupWriter(FileChannel channel, BackupManifest planned) throws IOException {
        this.channel = channel;
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES);
        this.planned = planned;
        this.mtimeMs = planned.createdAtMs();
        byte[] manifest = encode(planned);
        this.manifestBytes = manifest.length;
        out.write(Tar.header(BackupManifest.ENTRY_NAME, manifest.length, mtimeMs));
        out.write(manifest);
        out.write(new byte[Tar.padding(manifest.length)]);
    }

    /**
     * Starts a backup file at {@code path} (created, or truncated if it exists) for the files {@code manifest} lists
     * with their sizes; their hashes in it are ignored.
     */
    public static BackupWriter create(Path path, BackupManifest manifest) throws IOException {
        for (BackupManifest.FileEntry f : manifest.files()) {
            if (!BackupReader.FILE_NAME.matcher(f.name()).matches()) {
                throw new IOException("cannot back up a file named '" + f.name() + "'");
            }
        }
        List<BackupManifest.FileEntry> placeholders = manifest.files().stream()
                .map(f -> new BackupManifest.FileEntry(f.name(), f.size(), PLACEHOLDER_SHA256))
                .toList();
        FileChannel channel = FileChannel.open(
                path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        try {
            return new BackupWriter(channel, manifest.withFiles(placeholders));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * The stream for the next file of the manifest, which must be {@code name}. Closing it checks that exactly the
     * declared number of bytes was written.
     */
    public OutputStream file(String name) throws IOException {
        if (entryOpen || finished) {
            throw new IllegalStateException("the previous file is still open, or the backup is finished");
        }
        if (written.size() >= planned.files().size()) {
            throw new IllegalStateException("the manifest lists no more files, but " + name + " was started");
        }
        BackupManifest.FileEntry next = planned.files().get(written.size());
        if (!next.name().equals(name)) {
            throw new IllegalStateException("the manifest lists " + next.name() + " next, not " + name);
        }
        out.write(Tar.header(BackupManifest.STATE_PREFIX + next.name(), next.size(), mtimeMs));
        entryOpen = true;
        return new EntryStream(next);
    }

    /**
     * Ends the archive, writes the real hashes into the manifest and forces everything to disk. Returns the manifest
     * as written.
     */
    public BackupManifest finish() throws IOException {
        if (entryOpen || written.size() != planned.files().size()) {
            throw new IllegalStateException(
                    "finish after " + written.size() + " of " + planned.files().size() + " files");
        }
        out.write(new byte[2 * Tar.BLOCK_BYTES]);
        out.flush();
        BackupManifest complete = planned.withFiles(written);
        byte[] manifest = encode(complete);
        if (manifest.length != manifestBytes) {
            // Every field but the hashes is unchanged and a hash is 64 hex digits either way.
            throw new IllegalStateException(
                    "the manifest changed length from " + manifestBytes + " to " + manifest.length + " bytes");
        }
        ByteBuffer buffer = ByteBuffer.wrap(manifest);
        long position = Tar.BLOCK_BYTES;
        while (buffer.hasRemaining()) {
            position += channel.write(buffer, position);
        }
        channel.force(true);
        finished = true;
        return complete;
    }

    @Override
    public void close() throws IOException {
        try {
            if (!finished) {
                out.flush();
            }
        } finally {
            channel.close();
        }
    }

    static byte[] encode(BackupManifest manifest) {
        return (Json.pretty(manifest) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private final class EntryStream extends OutputStream {
        private final BackupManifest.FileEntry entry;
        private final MessageDigest digest = sha256();
        private long count;
        private boolean closed;

        EntryStream(BackupManifest.FileEntry entry) {
            this.entry = entry;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (count + len > entry.size()) {
                throw new IOException(entry.name() + " grew past the " + entry.size() + " bytes it had when listed");
            }
            out.write(b, off, len);
            digest.update(b, off, len);
            count += len;
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            entryOpen = false;
            if (count != entry.size()) {
                throw new IOException(entry.name() + " has " + count + " bytes, the manifest " + entry.size());
            }
            out.write(new byte[Tar.padding(count)]);
            written.add(new BackupManifest.FileEntry(
                    entry.name(), entry.size(), HexFormat.of().formatHex(digest.digest())));
        }
    }
}
