package io.corral.coordinator.backup;

import io.corral.backup.BackupManifest;
import io.corral.backup.BackupWriter;
import io.corral.coordinator.store.AppliedMark;
import io.corral.coordinator.store.RocksStore;
import io.corral.coordinator.store.StoreException;
import io.corral.coordinator.store.StoreFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * {@code corral-coordinator export}: the state of a STOPPED member, read from its data directory, written in the backup
 * format, for bringing a cluster back from the one member that survived the loss of a majority (docs/operations.md,
 * "Recovering from a lost majority"). It is unsafe by nature: the file holds what this member had applied, which may
 * lack writes the lost majority acknowledged.
 *
 * <p>The state store's RocksDB lock is taken before anything is read, so a running member (which holds it) is refused.
 * The checkpoint is made in the member's own {@code outgoing-checkpoints} directory (hard links on the same file
 * system), which the member deletes at its next start anyway.
 */
public final class Export {
    /** What was exported. */
    public record Result(Path file, BackupManifest manifest) {}

    private Export() {}

    /**
     * Exports the member data directory {@code dataDir} of cluster {@code clusterName} into {@code out}.
     *
     * @param nodeId recorded in the manifest as the source member (may be null)
     * @param overwrite replace {@code out} if it exists
     * @throws BackupRefusedException when the member is running, the directory is not a member's, the cluster name
     *     does not match, or {@code out} exists
     */
    public static Result run(
            Path dataDir, Path out, String clusterName, String nodeId, boolean overwrite, LongSupplier clockMs)
            throws IOException {
        if (!overwrite && Files.exists(out)) {
            throw new BackupRefusedException(out + " exists; pass --force to replace it");
        }
        Path stateDir = dataDir.resolve("state");
        checkMemberDir(dataDir, stateDir, clusterName);
        Path checkpoint = dataDir.resolve("outgoing-checkpoints").resolve("export-" + UUID.randomUUID());
        Path partial = out.resolveSibling(out.getFileName() + ".partial");
        boolean done = false;
        try {
            AppliedMark mark = checkpoint(stateDir, checkpoint, dataDir);
            List<BackupManifest.FileEntry> files = new ArrayList<>();
            try (Stream<Path> s = Files.list(checkpoint)) {
                for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                    files.add(new BackupManifest.FileEntry(p.getFileName().toString(), Files.size(p), null));
                }
            }
            BackupManifest planned = BackupManifest.of(
                    BackupManifest.KIND_EXPORT,
                    clusterName,
                    nodeId,
                    mark.term(),
                    mark.index(),
                    clockMs.getAsLong(),
                    BuildVersion.version(),
                    files);
            BackupManifest written = write(checkpoint, partial, planned);
            if (overwrite) {
                Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(partial, out);
            }
            Restore.fsync(out.toAbsolutePath().getParent());
            done = true;
            return new Result(out, written);
        } finally {
            StoreFiles.deleteRecursively(checkpoint);
            if (!done) {
                Files.deleteIfExists(partial);
            }
        }
    }

    private static void checkMemberDir(Path dataDir, Path stateDir, String clusterName) throws IOException {
        if (!Files.isDirectory(stateDir)) {
            boolean interrupted =
                    Files.exists(dataDir.resolve("install")) || Files.exists(dataDir.resolve("state.old"));
            throw new BackupRefusedException("no state store at " + stateDir
                    + (interrupted
                            ? ": a snapshot install was interrupted; start the member once (it finishes the install"
                                    + " as it starts), stop it, and export again"
                            : ": not a coordinator's data directory"));
        }
        Path group = RaftSeed.groupDir(dataDir, clusterName);
        if (!Files.isDirectory(group)) {
            throw new BackupRefusedException(dataDir + " has no Raft storage of cluster '" + clusterName + "' (" + group
                    + "): pass --cluster-name with the member's clusterName");
        }
    }

    /** Opens the store (taking its lock), checkpoints it, and closes it again. */
    private static AppliedMark checkpoint(Path stateDir, Path checkpoint, Path dataDir) throws IOException {
        RocksStore store;
        try {
            store = RocksStore.open(stateDir);
        } catch (StoreException e) {
            if (e.getMessage().toLowerCase(Locale.ROOT).contains("lock")) {
                throw new BackupRefusedException("the member using " + dataDir + " is running (its state store is"
                        + " locked): stop it first; export reads a stopped member's data only");
            }
            throw new IOException(e.getMessage(), e);
        }
        try (store) {
            AppliedMark mark = store.applied();
            if (mark.index() < 0) {
                throw new BackupRefusedException("the state store at " + stateDir + " is empty: nothing to export");
            }
            Files.createDirectories(checkpoint.getParent());
            store.checkpoint(checkpoint);
            return mark;
        }
    }

    private static BackupManifest write(Path checkpoint, Path partial, BackupManifest planned) throws IOException {
        try (BackupWriter writer = BackupWriter.create(partial, planned)) {
            for (BackupManifest.FileEntry f : planned.files()) {
                try (InputStream in = Files.newInputStream(checkpoint.resolve(f.name()));
                        OutputStream out = writer.file(f.name())) {
                    in.transferTo(out);
                }
            }
            return writer.finish();
        }
    }
}
