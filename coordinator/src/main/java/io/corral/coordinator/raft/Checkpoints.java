package io.corral.coordinator.raft;

import io.corral.coordinator.store.StoreFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** The checkpoints under {@code <dataDir>/snapshots}, named {@code snapshot-<term>-<index>}. */
public final class Checkpoints {
    private Checkpoints() {}

    static long indexOf(Path p) {
        String[] parts = p.getFileName().toString().split("-");
        return parts.length == 3 ? Long.parseLong(parts[2]) : -1;
    }

    public static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("snapshot-\\d+-\\d+"))
                    .sorted(Comparator.comparingLong(Checkpoints::indexOf))
                    .toList();
        }
    }

    public static Optional<Path> latest(Path dir) throws IOException {
        List<Path> all = list(dir);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    static void prune(Path dir, int keep) throws IOException {
        List<Path> all = list(dir);
        for (int i = 0; i < all.size() - keep; i++) {
            StoreFiles.deleteRecursively(all.get(i));
        }
    }
}
