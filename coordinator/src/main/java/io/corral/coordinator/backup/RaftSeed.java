package io.corral.coordinator.backup;

import io.corral.coordinator.raft.RaftNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.server.storage.RaftStorageMetadata;

/**
 * The Raft storage of a restored member: formatted by Ratis itself, empty (no log, no configuration file), with the
 * term of the backup's last entry as the current term.
 *
 * <p>Ratis takes the log's start from the state machine: {@code getLatestSnapshot()} reports the state store's applied
 * mark, here the backup's entry, so the empty log continues at the backup's index + 1, and the Raft configuration is
 * the group the member is started with (the new cluster's own peers). The term matters for safety: Raft compares
 * logs by the term of their last entry, and a new cluster left at term 0 would elect a leader at term 1 whose entries,
 * appended after the backup's entry of a higher term, would count as older than it.
 */
public final class RaftSeed {
    private RaftSeed() {}

    /** {@code dataDir/raft}, as {@link RaftNode} configures Ratis' storage directory. */
    public static Path raftDir(Path dataDir) {
        return dataDir.resolve("raft");
    }

    /** Where Ratis keeps the storage of cluster {@code clusterName}'s group under {@code dataDir}. */
    public static Path groupDir(Path dataDir, String clusterName) {
        return raftDir(dataDir).resolve(RaftNode.groupId(clusterName).getUuid().toString());
    }

    /**
     * Refuses a data directory that holds the Raft storage of another cluster name than {@code clusterName}: Ratis
     * would start a member of every group it finds there, and a restored directory started under the wrong name
     * would also get a fresh storage at term 0 for the configured one. Checked before Ratis creates anything.
     */
    public static void requireOwnGroupOnly(Path dataDir, String clusterName) throws IOException {
        Path raft = raftDir(dataDir);
        if (!Files.isDirectory(raft)) {
            return;
        }
        String own = groupDir(dataDir, clusterName).getFileName().toString();
        try (Stream<Path> entries = Files.list(raft)) {
            for (Path p : entries.filter(Files::isDirectory).toList()) {
                if (!p.getFileName().toString().equals(own)) {
                    throw new IOException(raft + " holds the Raft storage of another cluster name (group "
                            + p.getFileName() + "), not of clusterName '" + clusterName + "' (group " + own
                            + "): start a restored data directory with the clusterName it was restored for"
                            + " (corral-coordinator restore --cluster-name); refusing to start");
                }
            }
        }
    }

    /** Formats the group's storage under {@code dataDir} (which must not have one) at {@code term}. */
    public static void seed(Path dataDir, String clusterName, long term) throws IOException {
        Path group = groupDir(dataDir, clusterName);
        if (Files.exists(group)) {
            throw new IOException("Raft storage already exists at " + group);
        }
        Files.createDirectories(group);
        RaftStorage storage = RaftStorage.newBuilder()
                .setDirectory(group.toFile())
                .setOption(RaftStorage.StartupOption.FORMAT)
                .setStorageFreeSpaceMin(RaftServerConfigKeys.storageFreeSpaceMin(new RaftProperties()))
                .build();
        try {
            storage.initialize();
            storage.getMetadataFile().persist(RaftStorageMetadata.valueOf(term, null));
        } finally {
            storage.close();
        }
    }
}
