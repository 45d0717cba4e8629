package io.corral.coordinator.cluster;

import io.corral.client.CorralClient;
import io.corral.client.ImageUpload;
import io.corral.protocol.ImageRef;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.LeaseRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A worker made of the real client library, for cluster tests: it registers, collects pushed offers and revocations,
 * downloads inputs and reports on tasks. It heartbeats only when the test tells it to, so tests control liveness.
 */
final class TestWorker implements AutoCloseable {
    final String id;
    final CorralClient client;
    final LinkedBlockingQueue<LeaseGrant> offers = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<Response.LeaseRevoked> revoked = new LinkedBlockingQueue<>();
    Response.WorkerRegistered registration;

    TestWorker(String id, String coordinators) {
        this.id = id;
        this.client = Clients.connect(coordinators);
        client.onPush(push -> {
            if (push instanceof Response.LeaseOffer offer) {
                offers.addAll(offer.grants());
            } else if (push instanceof Response.LeaseRevoked r) {
                revoked.add(r);
            }
        });
    }

    TestWorker register(int slots) {
        registration = client.call(new Request.RegisterWorker(id, slots, List.of()), Response.WorkerRegistered.class);
        return this;
    }

    /** The next pushed grant, waiting at most {@code seconds}; fails when none arrives. */
    LeaseGrant nextOffer(long seconds) throws InterruptedException {
        LeaseGrant g = offers.poll(seconds, TimeUnit.SECONDS);
        if (g == null) {
            throw new AssertionError("worker " + id + " received no lease offer within " + seconds + " s");
        }
        return g;
    }

    byte[] download(String sha256) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int chunks = 1;
        for (int i = 0; i < chunks; i++) {
            Response.BlobChunk c = client.call(new Request.ReadBlobChunk(sha256, i), Response.BlobChunk.class);
            chunks = c.chunks();
            out.writeBytes(c.data());
        }
        return out.toByteArray();
    }

    Response.HeartbeatAck heartbeat(List<LeaseGrant> leases, int freeSlots) {
        List<LeaseRef> refs =
                leases.stream().map(g -> new LeaseRef(g.taskId(), g.token())).toList();
        return client.call(new Request.Heartbeat(id, refs, freeSlots), Response.HeartbeatAck.class);
    }

    /** Uploads {@code result} and completes the task with it; returns the coordinator's answer (maybe an error). */
    Response complete(LeaseGrant g, Path result) throws IOException {
        ImageRef ref = ImageUpload.upload(client, result, 50L << 20);
        return client.send(new Request.CompleteTask(g.taskId(), g.token(), ref.sha256(), ref.size()))
                .join();
    }

    @Override
    public void close() {
        client.close();
    }
}
