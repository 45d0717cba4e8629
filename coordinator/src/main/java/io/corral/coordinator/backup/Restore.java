package io.corral.coordinator.backup;

import io.corral.backup.BackupFormatException;
import io.corral.backup.BackupManifest;
import io.corral.backup.BackupReader;
import io.corral.coordinator.store.AppliedMark;
import io.corral.coordinator.store.RocksStore;
import io.corral.coordinator.store.StoreException;
import io.corral.coordinator.store.StoreFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code corral-coordinator restore}: makes a data directory for one member of a new cluster out of a backup file. The
 * state store is the backup's checkpoint; the Raft storage is empty at the backup's term ({@link RaftSeed}), so the
 * member starts with a snapshot at the backup's index and its log continues after it.
 *
 * <p>Everything is written into a staging directory next to the target and moved into place only once every file's
 * size and SHA-256 matched the manifest, the store opened at the manifest's index and its checksums verified: a
 * refused or failed restore leaves nothing behind.
 */
public final class Restore {
    /** As {@code ConfigValidator} requires of {@code clusterName}. */
    private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private static final int READ_BUFFER_BYTES = 1 << 20;

    /** A restored data directory, for a member of cluster {@code clusterName}. */
    public record Result(Path dir, String clusterName, BackupManifest manifest) {}

    private Restore() {}

    /**
     * Restores {@code file} into {@code dir}, which must not exist or be empty.
     *
     * @param clusterName the new cluster's {@code clusterName}; null keeps the backup's
     * @throws BackupRefusedException for a non-empty target or a bad cluster name
     * @throws BackupFormatException for a file that is not a sound backup of a version this build reads
     */
    public static Result run(Path file, Path dir, String clusterName) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        refuseUnlessEmpty(target);
        if (!Files.isRegularFile(file)) {
            throw new BackupRefusedException("no backup file " + file);
        }
        Path staging = stagingDir(target);
        if (Files.exists(staging)) {
            throw new BackupRefusedException("a restore into " + target + " is running or was interrupted: " + staging
                    + " exists (delete it if no restore is running)");
        }
        boolean done = false;
        try {
            Files.createDirectories(staging.resolve("state"));
            BackupManifest manifest;
            String name;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file), READ_BUFFER_BYTES)) {
                BackupReader reader = BackupReader.open(in);
                manifest = reader.manifest();
                name = clusterName == null ? manifest.clusterName() : clusterName;
                if (!CLUSTER_NAME.matcher(name).matches()) {
                    throw new BackupRefusedException(
                            "'" + name + "' is not a cluster name (1 to 64 of A-Z a-z 0-9 _ . -)");
                }
                extract(reader, staging.resolve("state"));
                reader.finish();
            }
            checkStore(staging.resolve("state"), manifest);
            RaftSeed.seed(staging, name, manifest.term());
            fsync(staging);
            moveIntoPlace(staging, target);
            done = true;
            return new Result(target, name, manifest);
        } finally {
            if (!done) {
                StoreFiles.deleteRecursively(staging);
            }
        }
    }

    static Path stagingDir(Path target) throws BackupRefusedException {
        if (target.getFileName() == null) {
            throw new BackupRefusedException("cannot restore into " + target);
        }
        return target.resolveSibling("." + target.getFileName() + ".restore-partial");
    }

    private static void refuseUnlessEmpty(Path target) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new BackupRefusedException(target + " exists and is not a directory");
        }
        try (Stream<Path> entries = Files.list(target)) {
            if (entries.findAny().isPresent()) {
                throw new BackupRefusedException(target + " is not empty: a restore writes only into a new, empty data"
                        + " directory (move the old one away first)");
            }
        }
    }

    private static void extract(BackupReader reader, Path stateDir) throws IOException {
        while (reader.hasNextFile()) {
            Path dest = stateDir.resolve(reader.peek().name());
            try (FileChannel ch = FileChannel.open(dest, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = Channels.newOutputStream(ch);
                reader.nextFile(out);
                out.flush();
                ch.force(true);
            }
        }
        fsync(stateDir);
    }

    /** The restored store must open at exactly the manifest's entry, with sound tables; it keeps no staged chunks. */
    private static void checkStore(Path stateDir, BackupManifest manifest) throws IOException {
        AppliedMark expected = new AppliedMark(manifest.term(), manifest.index());
        try (RocksStore store = RocksStore.open(stateDir)) {
            AppliedMark mark = store.applied();
            if (!mark.equals(expected)) {
                throw new BackupFormatException("the backup's state store holds entries through term " + mark.term()
                        + " index " + mark.index() + ", its manifest says term " + manifest.term() + " index "
                        + manifest.index());
            }
            // Chunk bytes staged for log entries: those up to the backup's index are applied, those after it belong to
            // the old cluster's log, which the new one does not continue. The new log stages its own.
            store.dropStagedFrom(0);
            store.verifyChecksums();
        } catch (StoreException e) {
            throw new BackupFormatException("the backup's state store is damaged: " + e.getMessage());
        }
    }

    private static void moveIntoPlace(Path staging, Path target) throws IOException {
        if (Files.exists(target)) {
            // Checked empty above; a directory that filled up since makes this fail, and nothing is lost.
            Files.delete(target);
        }
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        fsync(target.getParent());
    }

    static void fsync(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some file systems refuse to open a directory for fsync; the files themselves are on disk.
        }
    }
}
