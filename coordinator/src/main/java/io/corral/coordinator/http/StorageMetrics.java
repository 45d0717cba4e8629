package io.corral.coordinator.http;

import io.corral.coordinator.raft.Checkpoints;
import io.corral.coordinator.raft.CorralStateMachine;
import io.corral.coordinator.store.RocksStore;
import io.corral.metrics.PrometheusText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * This member's disk: RocksDB's own size estimates (in-memory properties, read on every scrape), and what needs the
 * file system (the Raft log's size, the newest checkpoint, free space), read at most once per {@link #REFRESH_MS}
 * so a scraper polling fast costs no more than one directory walk per interval.
 */
final class StorageMetrics {
    static final long REFRESH_MS = 10_000;
    /** A Raft log holds a few segment files; a walk that meets more than this stops counting (and says so in HELP). */
    static final int MAX_FILES_WALKED = 10_000;

    private final Path dataDir;
    private final CorralStateMachine stateMachine;
    private long refreshedAtNanos;
    private Disk disk;

    /** What the last walk found; -1 where it could not be read. */
    private record Disk(long raftLogBytes, long snapshotEpochSeconds, long freeBytes, long capacityBytes) {}

    StorageMetrics(Path dataDir, CorralStateMachine stateMachine) {
        this.dataDir = dataDir;
        this.stateMachine = stateMachine;
    }

    synchronized void write(PrometheusText p) {
        RocksStore store = stateMachine.store();
        p.header("corral_store_sst_bytes", "gauge", "size of the state store's table files (RocksDB SST files)");
        if (store != null) {
            p.sample("corral_store_sst_bytes", Map.of(), store.aggregatedProperty("rocksdb.total-sst-files-size"));
        }
        p.header("corral_store_blob_file_bytes", "gauge", "size of the state store's live blob files (image bytes)");
        if (store != null) {
            p.sample("corral_store_blob_file_bytes", Map.of(), store.aggregatedProperty("rocksdb.live-blob-file-size"));
        }
        Disk d = disk();
        p.gauge("corral_raft_log_bytes", "size of this member's Raft log segments (<dataDir>/raft)", d.raftLogBytes());
        p.gauge(
                "corral_raft_snapshot_last_timestamp_seconds",
                "when this member last wrote a checkpoint (Unix time; 0: none in <dataDir>/snapshots)",
                d.snapshotEpochSeconds());
        p.gauge(
                "corral_data_dir_free_bytes",
                "space left for an unprivileged user on the data directory's file system",
                d.freeBytes());
        p.gauge("corral_data_dir_capacity_bytes", "size of the data directory's file system", d.capacityBytes());
    }

    private Disk disk() {
        long now = System.nanoTime();
        if (disk == null || now - refreshedAtNanos >= TimeUnit.MILLISECONDS.toNanos(REFRESH_MS)) {
            disk = new Disk(raftLogBytes(), snapshotEpochSeconds(), space(true), space(false));
            refreshedAtNanos = now;
        }
        return disk;
    }

    /** The directory RaftNode gives Ratis as its storage. */
    private long raftLogBytes() {
        Path raft = dataDir.resolve("raft");
        if (!Files.isDirectory(raft)) {
            return 0;
        }
        long total = 0;
        int files = 0;
        try (Stream<Path> walk = Files.walk(raft)) {
            Iterator<Path> it = walk.iterator();
            while (it.hasNext() && files < MAX_FILES_WALKED) {
                Path f = it.next();
                if (Files.isRegularFile(f)) {
                    total += Files.size(f);
                    files++;
                }
            }
            return total;
        } catch (IOException | UncheckedIOException e) {
            return -1; // a segment deleted during the walk (a purge): the next refresh will do
        }
    }

    private long snapshotEpochSeconds() {
        try {
            Optional<Path> latest = Checkpoints.latest(stateMachine.snapshotsDir());
            return latest.isEmpty()
                    ? 0
                    : Files.getLastModifiedTime(latest.get()).toMillis() / 1000;
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    private long space(boolean usable) {
        try {
            FileStore fs = Files.getFileStore(dataDir);
            return usable ? fs.getUsableSpace() : fs.getTotalSpace();
        } catch (IOException e) {
            return -1;
        }
    }
}
