package io.corral.worker;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.LeaseRef;
import io.corral.protocol.LeaseStatus;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.StaleLease;
import io.corral.protocol.TaskState;
import io.corral.worker.internal.Blobs;
import io.corral.worker.internal.ClusterPort;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An in-memory cluster behind the worker's {@link ClusterPort}: a blob store, a record of every request, and
 * answers the test can steer (stale leases, STALE_LEASE on reports, "not registered", downloads that hang).
 */
final class FakeCluster implements ClusterPort {
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    /** Downloads of these blobs never answer (until interrupted): a task that runs as long as the test wants. */
    final Set<String> hanging = ConcurrentHashMap.newKeySet();
    /** Leases the next heartbeats report stale. */
    final Set<LeaseRef> staleLeases = ConcurrentHashMap.newKeySet();
    /** Tasks whose complete/fail are refused with STALE_LEASE. */
    final Set<String> staleReports = ConcurrentHashMap.newKeySet();

    /** The heartbeat interval registrations are told. */
    volatile long heartbeatIntervalMs = 50;

    volatile boolean forgetRegistration;
    /** Registrations are refused UNAVAILABLE, as by a cluster without a leader. */
    volatile boolean refuseRegistration;

    volatile boolean closed;
    private final Map<String, ByteArrayOutputStream> uploads = new ConcurrentHashMap<>();
    private final List<Consumer<Response>> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> lossListeners = new CopyOnWriteArrayList<>();
    private long nextToken = 100;

    String put(byte[] bytes) {
        String sha = Blobs.sha256(bytes);
        blobs.put(sha, bytes);
        return sha;
    }

    synchronized LeaseGrant grant(String taskId, byte[] image, String... ops) {
        String sha = put(image);
        return new LeaseGrant(taskId, "job-1", taskId + ".png", sha, image.length, List.of(ops), 0, nextToken++, 0);
    }

    /** The connection is lost, as when its coordinator stops: the next request goes to another, which forgot us. */
    void loseConnection() {
        forgetRegistration = true;
        lossListeners.forEach(Runnable::run);
    }

    void push(Response push) {
        listeners.forEach(l -> l.accept(push));
    }

    <T extends Request> List<T> sent(Class<T> type) {
        return requests.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Override
    public CompletableFuture<Response> send(Request request) {
        requests.add(request);
        if (request instanceof Request.ReadBlobChunk r && hanging.contains(r.sha256())) {
            return new CompletableFuture<>();
        }
        return CompletableFuture.completedFuture(answer(request));
    }

    private Response answer(Request request) {
        if (request instanceof Request.RegisterWorker r) {
            if (refuseRegistration) {
                return new Response.ErrorReply(ErrorCode.UNAVAILABLE, "no leader");
            }
            forgetRegistration = false;
            return new Response.WorkerRegistered(r.workerId(), 3_000, heartbeatIntervalMs);
        } else if (request instanceof Request.Heartbeat h) {
            if (forgetRegistration) {
                return new Response.ErrorReply(ErrorCode.NOT_FOUND, "not registered on this connection");
            }
            List<LeaseStatus> extended = new ArrayList<>();
            List<StaleLease> stale = new ArrayList<>();
            for (LeaseRef l : h.leases()) {
                if (staleLeases.contains(l)) {
                    stale.add(new StaleLease(l.taskId(), l.token(), "expired"));
                } else {
                    extended.add(new LeaseStatus(l.taskId(), l.token(), 9_999));
                }
            }
            return new Response.HeartbeatAck(extended, stale);
        } else if (request instanceof Request.ReadBlobChunk r) {
            return readChunk(r);
        } else if (request instanceof Request.HasBlob h) {
            byte[] b = blobs.get(h.sha256());
            return new Response.BlobStatus(h.sha256(), b != null, b == null ? 0 : b.length);
        } else if (request instanceof Request.PutChunk p) {
            uploads.computeIfAbsent(p.sha256(), k -> new ByteArrayOutputStream())
                    .writeBytes(p.data());
            return new Response.ChunkStored(p.sha256(), p.index());
        } else if (request instanceof Request.SealBlob s) {
            byte[] bytes = uploads.remove(s.sha256()).toByteArray();
            if (!Blobs.sha256(bytes).equals(s.sha256())) {
                return new Response.ErrorReply(ErrorCode.HASH_MISMATCH, "mismatch");
            }
            blobs.put(s.sha256(), bytes);
            return new Response.BlobSealed(s.sha256(), bytes.length);
        } else if (request instanceof Request.CompleteTask c) {
            return report(c.taskId(), TaskState.SUCCEEDED);
        } else if (request instanceof Request.FailTask f) {
            return report(f.taskId(), f.retryable() ? TaskState.PENDING : TaskState.FAILED);
        } else if (request instanceof Request.ReportProgress p) {
            return new Response.TaskUpdated(p.taskId(), TaskState.LEASED);
        } else if (request instanceof Request.ReleaseLeases r) {
            return new Response.LeasesReleased(
                    r.leases().stream()
                            .map(l -> new LeaseStatus(l.taskId(), l.token(), 0))
                            .toList(),
                    List.of());
        }
        return new Response.ErrorReply(ErrorCode.BAD_REQUEST, "fake does not serve " + request);
    }

    private Response report(String taskId, TaskState state) {
        if (staleReports.contains(taskId)) {
            return new Response.ErrorReply(ErrorCode.STALE_LEASE, "token is not the current one");
        }
        return new Response.TaskUpdated(taskId, state);
    }

    private Response readChunk(Request.ReadBlobChunk r) {
        byte[] b = blobs.get(r.sha256());
        if (b == null) {
            return new Response.ErrorReply(ErrorCode.BLOB_MISSING, "no blob " + r.sha256());
        }
        int chunks = Math.max(1, (b.length + Limits.MAX_CHUNK_BYTES - 1) / Limits.MAX_CHUNK_BYTES);
        int from = r.index() * Limits.MAX_CHUNK_BYTES;
        byte[] data = Arrays.copyOfRange(b, from, Math.min(b.length, from + Limits.MAX_CHUNK_BYTES));
        return new Response.BlobChunk(r.sha256(), r.index(), chunks, data);
    }

    @Override
    public void onPush(Consumer<Response> listener) {
        listeners.add(listener);
    }

    @Override
    public void onConnectionLost(Runnable listener) {
        lossListeners.add(listener);
    }

    @Override
    public String describe() {
        return "fake";
    }

    @Override
    public void close() {
        closed = true;
    }
}
