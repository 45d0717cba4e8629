package io.corral.bench;

import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.HostPort;
import io.corral.client.ImageUpload;
import io.corral.protocol.ImageRef;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.LeaseRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.images.TinyPng;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Corral through its own client library: a job names tiny PNGs uploaded once beforehand (the images are in the
 * cluster already, as when a client re-submits or names a shared image); workers speak the real worker protocol
 * (register, leases pushed, heartbeats, CompleteTask with a result uploaded beforehand) and do no image work.
 */
final class CorralQueue implements QueueSystem {
    private static final Logger log = LoggerFactory.getLogger(CorralQueue.class);

    /** Valid operations, never run. */
    static final List<String> OPERATIONS = List.of("thumbnail:8");
    /** Marks the benchmark's jobs in {@code corral list}. */
    static final Map<String, String> LABELS = Map.of("corral-bench", "queue");
    /** Distinct images prepared: the most one request names. */
    static final int IMAGES = 100;

    static final int MAX_ATTEMPTS = 3;
    static final long REQUEST_TIMEOUT_MS = 30_000;
    static final long MAX_IMAGE_BYTES = 1 << 20;

    private final List<HostPort> coordinators;
    private final String token;
    private final String workerToken;
    private final String workerIdPrefix;
    private final boolean followLeader;
    private final List<ImageRef> images = new ArrayList<>();
    private ImageRef result;

    /**
     * @param token the submitters' token, null without authentication
     * @param workerToken the workers' token (role worker), null to use {@code token}
     * @param workerIdPrefix worker ids are this, a dot and a number (a worker token registers its name's ids)
     * @param followLeader whether clients and workers move to the leader after connecting
     *     ({@link ClientOptions#followLeader()})
     */
    CorralQueue(
            List<HostPort> coordinators,
            String token,
            String workerToken,
            String workerIdPrefix,
            boolean followLeader) {
        this.coordinators = List.copyOf(coordinators);
        this.token = token;
        this.workerToken = workerToken == null ? token : workerToken;
        this.workerIdPrefix = workerIdPrefix;
        this.followLeader = followLeader;
    }

    @Override
    public String name() {
        return "corral";
    }

    private CorralClient connect(String withToken) {
        return CorralClient.connect(ClientOptions.builder(coordinators)
                .clientName("corral-bench-queue")
                .token(withToken)
                .requestTimeoutMs(REQUEST_TIMEOUT_MS)
                .followLeader(followLeader)
                .build());
    }

    @Override
    public void prepare() throws IOException {
        try (CorralClient c = connect(token)) {
            for (int i = 0; i < IMAGES; i++) {
                images.add(upload(c, "in-" + i, 8, 0x102030 + i * 0x010305));
            }
        }
        // Uploaded by a worker's token: a worker completes only with a result its own tenant uploaded.
        try (CorralClient w = connect(workerToken)) {
            result = upload(w, "result", 4, 0xAA6633);
        }
    }

    private static ImageRef upload(CorralClient c, String name, int side, int rgb) throws IOException {
        Path file = TinyPng.writeTemp(side, rgb);
        try {
            ImageRef stored = ImageUpload.upload(c, file, MAX_IMAGE_BYTES);
            return new ImageRef(name + ".png", stored.sha256(), stored.size());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Override
    public Submitter submitter() {
        CorralClient c = connect(token);
        return new Submitter() {
            @Override
            public String submit(String key, int jobs) {
                if (jobs > images.size()) {
                    throw new IllegalArgumentException("at most " + images.size() + " images a job, not " + jobs);
                }
                // One job of `jobs` images: Corral's many-per-request form. No idempotency key, as the peers have
                // none either (etcd puts, RabbitMQ publishes).
                Request.SubmitJob submit =
                        new Request.SubmitJob(images.subList(0, jobs), OPERATIONS, 0, MAX_ATTEMPTS, LABELS, null);
                return c.call(submit, Response.JobSubmitted.class).jobId();
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }

    @Override
    public Workers workers(int workers, int slots, Claims claims) {
        List<Worker> all = new ArrayList<>();
        try {
            for (int i = 1; i <= workers; i++) {
                all.add(new Worker(workerIdPrefix + ".w" + i, slots, claims));
            }
        } catch (RuntimeException e) {
            all.forEach(Worker::close);
            throw e;
        }
        return new Workers() {
            @Override
            public long completed() {
                return all.stream().mapToLong(w -> w.completed.get()).sum();
            }

            @Override
            public void close() {
                all.forEach(Worker::close);
            }
        };
    }

    /** One worker on a connection of its own: every lease offered is completed at once. */
    private final class Worker implements AutoCloseable {
        final String id;
        final int slots;
        final Claims claims;
        final CorralClient client;
        final Set<LeaseRef> held = ConcurrentHashMap.newKeySet();
        final AtomicLong completed = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final ScheduledExecutorService heartbeats;

        Worker(String id, int slots, Claims claims) {
            this.id = id;
            this.slots = slots;
            this.claims = claims;
            this.client = connect(workerToken);
            client.onPush(this::onPush);
            Response.WorkerRegistered r =
                    client.call(new Request.RegisterWorker(id, slots, List.of()), Response.WorkerRegistered.class);
            heartbeats = Executors.newSingleThreadScheduledExecutor(t -> {
                Thread th = new Thread(t, "bench-heartbeat-" + id);
                th.setDaemon(true);
                return th;
            });
            long every = Math.max(10, r.heartbeatIntervalMs());
            heartbeats.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
        }

        /** On the client's callback thread: the claim is timed first. */
        private void onPush(Response push) {
            long now = System.nanoTime();
            if (!(push instanceof Response.LeaseOffer offer)) {
                return;
            }
            for (LeaseGrant g : offer.grants()) {
                claims.claimed(g.jobId(), now);
                LeaseRef ref = new LeaseRef(g.taskId(), g.token());
                held.add(ref);
                client.send(new Request.CompleteTask(g.taskId(), g.token(), result.sha256(), result.size()))
                        .whenComplete((answer, error) -> {
                            held.remove(ref);
                            if (error == null && answer instanceof Response.TaskUpdated) {
                                completed.incrementAndGet();
                            } else if (refused.incrementAndGet() <= 5) {
                                log.warn("{}: CompleteTask {}: {}", id, g.taskId(), error != null ? error : answer);
                            }
                        });
            }
        }

        private void heartbeat() {
            List<LeaseRef> leases = List.copyOf(held);
            client.send(new Request.Heartbeat(id, leases, Math.max(0, slots - leases.size())));
        }

        @Override
        public void close() {
            heartbeats.shutdownNow();
            client.close();
        }
    }

    @Override
    public void close() {}
}
