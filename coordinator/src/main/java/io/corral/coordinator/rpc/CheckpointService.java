package io.corral.coordinator.rpc;

import io.corral.coordinator.raft.CorralStateMachine;
import io.corral.coordinator.store.AppliedMark;
import io.corral.coordinator.store.StoreFiles;
import io.corral.protocol.CheckpointFile;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
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
 * The leader side of snapshot installation: a peer opens a fresh checkpoint of the state (RocksDB hard links, so it
 * costs little), pulls its files in chunks (the pull paces the transfer), then closes it. Checkpoints a peer abandons
 * are deleted after {@link #ABANDONED_AFTER_MS}.
 */
public final class CheckpointService {
    static final long ABANDONED_AFTER_MS = 10 * 60 * 1000;
    static final int MAX_OPEN_CHECKPOINTS = 4;

    private record Open(Path dir, long openedAtMs) {}

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
        if (open.size() >= MAX_OPEN_CHECKPOINTS) {
            return new Response.ErrorReply(ErrorCode.OVERLOADED, "too many snapshot transfers in progress");
        }
        String id = UUID.randomUUID().toString();
        Path dir = root.resolve(id);
        Files.createDirectories(root);
        AppliedMark mark = stateMachine.checkpointTo(dir);
        open.put(id, new Open(dir, clockMs.getAsLong()));
        List<CheckpointFile> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                files.add(new CheckpointFile(p.getFileName().toString(), Files.size(p)));
            }
        }
        return new Response.CheckpointOpened(id, mark.term(), mark.index(), files);
    }

    public Response read(Request.ReadCheckpoint r) throws IOException {
        Open o = open.get(r.checkpointId());
        if (o == null) {
            return new Response.ErrorReply(ErrorCode.NOT_FOUND, "no open checkpoint " + r.checkpointId());
        }
        if (r.file() == null || r.file().contains("/") || r.file().contains("..")) {
            return new Response.ErrorReply(ErrorCode.BAD_REQUEST, "bad checkpoint file name");
        }
        Path file = o.dir().resolve(r.file());
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
            StoreFiles.deleteRecursively(o.dir());
        }
        return new Response.Ack();
    }

    private void dropAbandoned() throws IOException {
        long now = clockMs.getAsLong();
        for (Map.Entry<String, Open> e : Map.copyOf(open).entrySet()) {
            if (now - e.getValue().openedAtMs() > ABANDONED_AFTER_MS) {
                close(e.getKey());
            }
        }
    }
}
