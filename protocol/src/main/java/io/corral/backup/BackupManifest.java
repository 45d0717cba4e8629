package io.corral.backup;

import java.time.Instant;
import java.util.List;

/**
 * What a backup file holds, written as its first entry ({@value #ENTRY_NAME}) so a reader knows every file's size and
 * SHA-256 before it reads them. A backup is one member's state store (a RocksDB checkpoint) as of one applied Raft
 * entry: {@code term} and {@code index} are that entry's. The layout is documented in docs/architecture.md, "Backups".
 *
 * @param format always {@value #FORMAT}: tells a backup from any other tar archive
 * @param formatVersion the layout version, {@value #FORMAT_VERSION}; readers refuse versions they do not know
 * @param kind {@value #KIND_BACKUP} (taken from a running cluster) or {@value #KIND_EXPORT} (read from a stopped
 *     member's data directory, see {@code corral-coordinator export}: it may lack acknowledged writes)
 * @param clusterName the source cluster's {@code clusterName}
 * @param sourceNodeId the member whose state this is (null when an export was not told)
 * @param createdAtMs when the checkpoint was taken, by the source member's clock
 * @param createdAt the same instant, ISO-8601, for people reading the manifest
 * @param corralVersion the version of the coordinator that wrote the state
 * @param files the checkpoint's files, in the order they follow the manifest, each under {@value #STATE_PREFIX}
 */
public record BackupManifest(
        String format,
        int formatVersion,
        String kind,
        String clusterName,
        String sourceNodeId,
        long term,
        long index,
        long createdAtMs,
        String createdAt,
        String corralVersion,
        List<FileEntry> files) {

    public static final String FORMAT = "corral-backup";
    public static final int FORMAT_VERSION = 1;
    public static final String ENTRY_NAME = "corral-backup.json";
    public static final String STATE_PREFIX = "state/";
    public static final String KIND_BACKUP = "backup";
    public static final String KIND_EXPORT = "export";

    /** One file of the checkpoint; {@code sha256} is lower-case hex. */
    public record FileEntry(String name, long size, String sha256) {}

    public BackupManifest {
        files = List.copyOf(files);
    }

    /** A manifest of the current format; the files' hashes are filled in as the writer streams them. */
    public static BackupManifest of(
            String kind,
            String clusterName,
            String sourceNodeId,
            long term,
            long index,
            long createdAtMs,
            String corralVersion,
            List<FileEntry> files) {
        return new BackupManifest(
                FORMAT,
                FORMAT_VERSION,
                kind,
                clusterName,
                sourceNodeId,
                term,
                index,
                createdAtMs,
                Instant.ofEpochMilli(createdAtMs).toString(),
                corralVersion,
                files);
    }

    /** Bytes of all files together. */
    public long totalBytes() {
        return files.stream().mapToLong(FileEntry::size).sum();
    }

    BackupManifest withFiles(List<FileEntry> newFiles) {
        return new BackupManifest(
                format,
                formatVersion,
                kind,
                clusterName,
                sourceNodeId,
                term,
                index,
                createdAtMs,
                createdAt,
                corralVersion,
                newFiles);
    }
}
