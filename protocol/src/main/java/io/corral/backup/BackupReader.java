package io.corral.backup;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.corral.backup.internal.Tar;
import io.corral.protocol.codec.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a backup file front to back ({@link BackupWriter} wrote it): the manifest first, checked before anything
 * else, then each file, whose size and SHA-256 are checked against the manifest as it streams by, then the end of the
 * archive. Any difference is a {@link BackupFormatException} naming what is wrong; a caller that wrote files from it
 * must throw them away.
 */
public final class BackupReader {
    /** A manifest lists a few thousand files at most; far larger means the file is not what it claims. */
    public static final int MAX_MANIFEST_BYTES = 16 << 20;

    /** A checkpoint file's name: no path, no leading dot, short enough for a tar header with the "state/" prefix. */
    static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,93}");

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final int COPY_BYTES = 256 * 1024;

    private final InputStream in;
    private final BackupManifest manifest;
    private int next;

    private BackupReader(InputStream in, BackupManifest manifest) {
        this.in = in;
        this.manifest = manifest;
    }

    /** Reads and checks the manifest at the start of {@code in} (which the caller closes). */
    public static BackupReader open(InputStream in) throws IOException {
        byte[] block = readBlock(in, "its first entry");
        Tar.Header header;
        try {
            header = Tar.parse(block);
        } catch (IllegalArgumentException e) {
            throw new BackupFormatException("not a Corral backup: " + e.getMessage());
        }
        if (!header.name().equals(BackupManifest.ENTRY_NAME)) {
            throw new BackupFormatException("not a Corral backup: its first entry is '" + header.name() + "', not "
                    + BackupManifest.ENTRY_NAME);
        }
        if (header.size() > MAX_MANIFEST_BYTES) {
            throw new BackupFormatException("not a Corral backup: a manifest of " + header.size() + " bytes");
        }
        byte[] json = readFully(in, (int) header.size(), BackupManifest.ENTRY_NAME);
        readFully(in, Tar.padding(header.size()), BackupManifest.ENTRY_NAME);
        return new BackupReader(in, parseManifest(json));
    }

    public BackupManifest manifest() {
        return manifest;
    }

    /** Whether a file of the manifest is still to be read. */
    public boolean hasNextFile() {
        return next < manifest.files().size();
    }

    /** The manifest entry of the file {@link #nextFile} reads next (say, to name the file it is copied to). */
    public BackupManifest.FileEntry peek() {
        if (!hasNextFile()) {
            throw new IllegalStateException("every file of the manifest has been read");
        }
        return manifest.files().get(next);
    }

    /**
     * Copies the next file of the manifest to {@code out} (not closed here) and checks its size and SHA-256. Returns its
     * manifest entry.
     */
    public BackupManifest.FileEntry nextFile(OutputStream out) throws IOException {
        if (!hasNextFile()) {
            throw new IllegalStateException("every file of the manifest has been read");
        }
        BackupManifest.FileEntry entry = manifest.files().get(next);
        String expected = BackupManifest.STATE_PREFIX + entry.name();
        byte[] block = readBlock(in, expected);
        Tar.Header header;
        try {
            header = Tar.parse(block);
        } catch (IllegalArgumentException e) {
            throw new BackupFormatException(
                    "the backup file is corrupt at the header of " + expected + ": " + e.getMessage());
        }
        if (!header.name().equals(expected) || header.size() != entry.size()) {
            throw new BackupFormatException("the backup file is corrupt: it holds " + header.name() + " ("
                    + header.size() + " bytes) where the manifest lists " + expected + " (" + entry.size() + " bytes)");
        }
        MessageDigest digest = BackupWriter.sha256();
        byte[] buffer = new byte[COPY_BYTES];
        long left = entry.size();
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new BackupFormatException("the backup file is truncated: " + expected + " ends after "
                        + (entry.size() - left) + " of " + entry.size() + " bytes");
            }
            digest.update(buffer, 0, n);
            out.write(buffer, 0, n);
            left -= n;
        }
        readFully(in, Tar.padding(entry.size()), expected);
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equals(entry.sha256())) {
            throw new BackupFormatException("the backup file is corrupt: " + expected + " has SHA-256 " + actual
                    + ", the manifest says " + entry.sha256());
        }
        next++;
        return entry;
    }

    /** After the last file: checks that the archive ends there (a file cut short loses its end marker). */
    public void finish() throws IOException {
        if (hasNextFile()) {
            throw new IllegalStateException("finish before reading every file");
        }
        for (int i = 0; i < 2; i++) {
            byte[] block = readBlock(in, "the end-of-archive marker");
            if (!Tar.isZero(block)) {
                throw new BackupFormatException(
                        "the backup file is corrupt: it holds more entries than its manifest lists");
            }
        }
    }

    static BackupManifest parseManifest(byte[] json) throws BackupFormatException {
        JsonNode tree;
        try {
            tree = Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new BackupFormatException("the backup's manifest is not valid JSON: " + e.getMessage());
        }
        if (tree == null
                || !tree.isObject()
                || !BackupManifest.FORMAT.equals(tree.path("format").asText(null))) {
            throw new BackupFormatException(
                    "not a Corral backup: the manifest's format is not '" + BackupManifest.FORMAT + "'");
        }
        JsonNode version = tree.path("formatVersion");
        if (!version.isInt() || version.asInt() != BackupManifest.FORMAT_VERSION) {
            throw new BackupFormatException("backup format version " + version + " is not supported: this build reads"
                    + " version " + BackupManifest.FORMAT_VERSION + " only");
        }
        BackupManifest m;
        try {
            m = Json.mapper().treeToValue(tree, BackupManifest.class);
        } catch (JacksonException e) {
            throw new BackupFormatException("the backup's manifest is malformed: " + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            throw new BackupFormatException("the backup's manifest is malformed: " + e.getMessage());
        }
        check(m);
        return m;
    }

    private static void check(BackupManifest m) throws BackupFormatException {
        require(m.files() != null && m.clusterName() != null, "it lacks the files or the cluster name");
        require(
                BackupManifest.KIND_BACKUP.equals(m.kind()) || BackupManifest.KIND_EXPORT.equals(m.kind()),
                "unknown kind '" + m.kind() + "'");
        require(m.index() >= -1 && m.term() >= 0, "term " + m.term() + " and index " + m.index());
        Set<String> names = new HashSet<>();
        for (BackupManifest.FileEntry f : m.files()) {
            require(f != null && f.name() != null && FILE_NAME.matcher(f.name()).matches(), "a bad file name");
            require(names.add(f.name()), "the file " + f.name() + " twice");
            require(f.size() >= 0, "a negative size for " + f.name());
            require(f.sha256() != null && SHA256.matcher(f.sha256()).matches(), "a bad SHA-256 for " + f.name());
        }
    }

    private static void require(boolean ok, String what) throws BackupFormatException {
        if (!ok) {
            throw new BackupFormatException("the backup's manifest is malformed: " + what);
        }
    }

    private static byte[] readBlock(InputStream in, String what) throws IOException {
        return readFully(in, Tar.BLOCK_BYTES, what);
    }

    private static byte[] readFully(InputStream in, int length, String what) throws IOException {
        byte[] b = in.readNBytes(length);
        if (b.length < length) {
            throw new BackupFormatException("the backup file is truncated: it ends inside " + what);
        }
        return b;
    }
}
