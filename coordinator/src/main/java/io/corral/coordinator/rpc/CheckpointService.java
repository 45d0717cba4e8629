package io.corral.coordinator.rpc;

import io.corral.coordinator.backup.BuildVersion;
import io.corral.coordinator.raft.CorralStateMachine;
import io.corral.coordinator.store.AppliedMark;
import io.corral.coordinator.store.StoreFiles;
import io.corral.protocol.CheckpointFile;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.transport.Session;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * The leader side of snapshot installation, and the member side of backups: a peer (or a backup client) opens a fresh
 * checkpoint of the state (RocksDB hard links, so it costs little), pulls its files in chunks (the pull paces the
 * transfer), then closes it. A checkpoint's files stay on disk while it is open whatever the live store compacts or a
 * snapshot purges, because they are its own hard links.
 *
 * <p>Installs and backups have separate budgets, so backups never keep a follower from installing a snapshot. An
 * install checkpoint a peer abandons is deleted {@link #ABANDONED_AFTER_MS} after it was opened. A backup checkpoint
 * belongs to the connection that opened it: only that connection reads it, and it is deleted when that connection
 * closes, or after {@link #ABANDONED_AFTER_MS} without a read (a client that hangs with the connection open).
 */
public final class CheckpointService {
    static final long ABANDONED_AFTER_MS = 10 * 60 * 1000;
    static final int MAX_OPEN_CHECKPOINTS = 4;
    /** Backups in progress on one member: each pins up to a full copy of the state on disk. */
    static final int MAX_OPEN_BACKUPS = 2;

    /** No owner: an install checkpoint, readable by any peer that knows its id. */
    private static final long NO_OWNER = -1;

    private static final class Open {
        final Path dir;
        final long openedAtMs;
        final long ownerSessionId;
        volatile long lastReadMs;

        Open(Path dir, long openedAtMs, long ownerSessionId) {
            this.dir = dir;
            this.openedAtMs = openedAtMs;
            this.ownerSessionId = ownerSessionId;
            this.lastReadMs = openedAtMs;
        }

        boolean backup() {
            return ownerSessionId != NO_OWNER;
        }

        boolean abandoned(long nowMs) {
            return backup() ? nowMs - lastReadMs > ABANDONED_AFTER_MS : nowMs - openedAtMs > ABANDONED_AFTER_MS;
        }
    }

    private final CorralStateMachine stateMachine;
    private final Path root;
    private final LongSupplier clockMs;
    private final Map<String, Open> open = new ConcurrentHashMap<>();

    public CheckpointService(CorralStateMachine stateMachine, Path dataDir, LongSupplier clockMs) throws IOException {
        this.stateMachine = stateMachine;
        this.root = dataDir.resolve("outgoing-checkpoints");
        this.clockMs = clockMs;
        StoreFiles.deleteRecursively(root);
    }

    public synchronized Response open() throws IOException {
        dropAbandoned();
        if (count(false) >= MAX_OPEN_CHECKPOINTS) {
            return new Response.ErrorReply(ErrorCode.OVERLOADED, "too many snapshot transfers in progress");
        }
        String id = UUID.randomUUID().toString();
        Path dir = root.resolve(id);
        Files.createDirectories(root);
        AppliedMark mark = stateMachine.checkpointTo(dir);
        open.put(id, new Open(dir, clockMs.getAsLong(), NO_OWNER));
        return new Response.CheckpointOpened(id, mark.term(), mark.index(), files(dir));
    }

    /**
     * Opens a checkpoint for a backup, owned by {@code session}. The caller has passed a linearizable barrier, so the
     * checkpoint holds at least every entry committed before the request arrived.
     */
    public synchronized Response openForBackup(Session session, String clusterName, String nodeId) throws IOException {
        dropAbandoned();
        if (count(true) >= MAX_OPEN_BACKUPS) {
            return new Response.ErrorReply(
                    ErrorCode.OVERLOADED,
                    MAX_OPEN_BACKUPS + " backups are already in progress on this member; try again later");
        }
        String id = UUID.randomUUID().toString();
        Path dir = root.resolve(id);
        Files.createDirectories(root);
        long nowMs = clockMs.getAsLong();
        AppliedMark mark = stateMachine.checkpointTo(dir);
        open.put(id, new Open(dir, nowMs, session.id()));
        if (!session.isOpen()) {
            // The client left during the barrier; its close was handled before this checkpoint existed.
            close(id);
            return new Response.ErrorReply(ErrorCode.UNAVAILABLE, "the connection closed during the backup's start");
        }
        return new Response.BackupOpened(
                id, clusterName, nodeId, mark.term(), mark.index(), nowMs, BuildVersion.version(), files(dir));
    }

    private static List<CheckpointFile> files(Path dir) throws IOException {
        List<CheckpointFile> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                files.add(new CheckpointFile(p.getFileName().toString(), Files.size(p)));
            }
        }
        return files;
    }

    private long count(boolean backups) {
        return open.values().stream().filter(o -> o.backup() == backups).count();
    }

    /** A read on connection {@code sessionId}: a backup checkpoint answers its own connection only. */
    public Response read(Request.ReadCheckpoint r, long sessionId) throws IOException {
        Open o = open.get(r.checkpointId());
        if (o == null || (o.backup() && o.ownerSessionId != sessionId)) {
            return new Response.ErrorReply(ErrorCode.NOT_FOUND, "no open checkpoint " + r.checkpointId());
        }
        o.lastReadMs = clockMs.getAsLong();
        if (r.file() == null || r.file().contains("/") || r.file().contains("..")) {
            return new Response.ErrorReply(ErrorCode.BAD_REQUEST, "bad checkpoint file name");
        }
        Path file = o.dir.resolve(r.file());
        if (!Files.isRegularFile(file)) {
            return new Response.ErrorReply(ErrorCode.NOT_FOUND, "no file " + r.file() + " in checkpoint");
        }
        int max = Math.max(1, Math.min(r.maxBytes(), Limits.MAX_CHUNK_BYTES));
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long remaining = Math.max(0, raf.length() - r.offset());
            byte[] data = new byte[(int) Math.min(max, remaining)];
            raf.seek(r.offset());
            raf.readFully(data);
            return new Response.CheckpointData(r.checkpointId(), r.file(), r.offset(), data);
        }
    }

    public synchronized Response close(String id) throws IOException {
        Open o = open.remove(id);
        if (o != null) {
            StoreFiles.deleteRecursively(o.dir);
        }
        return new Response.Ack();
    }

    /** The backup checkpoints of a closed connection are released: nobody can read them any more. */
    public synchronized void sessionClosed(long sessionId) throws IOException {
        for (Map.Entry<String, Open> e : Map.copyOf(open).entrySet()) {
            if (e.getValue().backup() && e.getValue().ownerSessionId == sessionId) {
                close(e.getKey());
            }
        }
    }

    private void dropAbandoned() throws IOException {
        long now = clockMs.getAsLong();
        for (Map.Entry<String, Open> e : Map.copyOf(open).entrySet()) {
            if (e.getValue().abandoned(now)) {
                close(e.getKey());
            }
        }
    }
}
