package io.corral.coordinator.raft;

import io.corral.coordinator.store.StoreFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Crash safety of a snapshot install. A downloaded checkpoint is marked complete before the swap; if the process dies
 * between moving the old state aside and moving the new one in, the next start finishes the job instead of starting
 * from an empty store.
 */
final class InstallRecovery {
    private static final String COMPLETE = "CORRAL_INSTALL_COMPLETE";

    private InstallRecovery() {}

    static void markComplete(Path installDir) throws IOException {
        Files.writeString(installDir.resolve(COMPLETE), "complete\n");
    }

    static void clearMarker(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(COMPLETE));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void finishInterruptedInstall(Path stateDir, Path installDir) throws IOException {
        Path old = stateDir.resolveSibling(stateDir.getFileName() + ".old");
        boolean complete = Files.exists(installDir.resolve(COMPLETE));
        if (!Files.exists(stateDir) && complete) {
            Files.move(installDir, stateDir);
            clearMarker(stateDir);
        } else if (!Files.exists(stateDir) && Files.exists(old)) {
            Files.move(old, stateDir);
        }
        StoreFiles.deleteRecursively(old);
        if (Files.exists(installDir)) {
            // An install that was not swapped in: the leader will ask again.
            StoreFiles.deleteRecursively(installDir);
        }
    }
}
