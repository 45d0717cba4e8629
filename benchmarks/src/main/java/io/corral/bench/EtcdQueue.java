package io.corral.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A job queue built on etcd the usual way, with jetcd: a job is a key under {@code q/p/} holding a 200-byte value (a
 * put, acknowledged once fsynced on a majority); a worker claims one with a transaction (if the key is unchanged:
 * delete it and put {@code q/l/KEY}, its lease) and completes it by deleting the lease key. Idle workers watch the
 * pending prefix, so a new job is claimed as soon as it is committed; busy ones read the first keys and try them.
 */
final class EtcdQueue implements QueueSystem {
    static final String PENDING = "q/p/";
    static final String LEASED = "q/l/";
    /** A job's value: what the peers' benchmarks put in each message. */
    static final int VALUE_BYTES = 200;
    /** Keys read at once by a worker looking for work: enough that workers rarely try the same one. */
    static final int CANDIDATES = 64;
    /** How long an idle slot waits for a watch event before it looks again anyway. */
    static final long IDLE_WAIT_MS = 100;

    private final String[] endpoints;
    private final ByteSequence value;

    EtcdQueue(List<String> hostPorts) {
        this.endpoints = hostPorts.stream().map(h -> "http://" + h).toArray(String[]::new);
        this.value = ByteSequence.from(new byte[VALUE_BYTES]);
    }

    @Override
    public String name() {
        return "etcd";
    }

    private Client connect() {
        return Client.builder().endpoints(endpoints).build();
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Override
    public void prepare() throws Exception {
        try (Client c = connect()) {
            // A fresh cluster is empty; this also waits until it answers.
            c.getKVClient()
                    .delete(bytes("q/"), DeleteOption.builder().isPrefix(true).build())
                    .get(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public Submitter submitter() {
        Client c = connect();
        KV kv = c.getKVClient();
        return new Submitter() {
            @Override
            public String submit(String key, int jobs) throws Exception {
                if (jobs == 1) {
                    kv.put(bytes(PENDING + key), value).get(30, TimeUnit.SECONDS);
                } else {
                    // Many jobs in one request: a transaction of puts (etcd allows 128 operations by default).
                    Op[] puts = new Op[jobs];
                    for (int i = 0; i < jobs; i++) {
                        puts[i] = Op.put(bytes(PENDING + key + "-" + i), value, PutOption.DEFAULT);
                    }
                    kv.txn().Then(puts).commit().get(30, TimeUnit.SECONDS);
                    return key + "-0";
                }
                return key;
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }

    @Override
    public Workers workers(int workers, int slots, Claims claims) {
        List<EtcdWorker> all = new ArrayList<>();
        for (int i = 1; i <= workers; i++) {
            all.add(new EtcdWorker("w" + i, slots, claims));
        }
        return new Workers() {
            @Override
            public long completed() {
                return all.stream().mapToLong(w -> w.completed.get()).sum();
            }

            @Override
            public void close() throws InterruptedException {
                for (EtcdWorker w : all) {
                    w.close();
                }
            }
        };
    }

    /** One worker: a client of its own, a watch, and a thread per slot that claims and completes. */
    private final class EtcdWorker {
        final String id;
        final Claims claims;
        final Client client;
        final KV kv;
        final Watch.Watcher watcher;
        final List<Thread> threads = new ArrayList<>();
        final AtomicLong completed = new AtomicLong();
        /** Jobs the watch saw committed, for idle slots to claim without reading first. */
        final LinkedBlockingQueue<KeyValue> hints = new LinkedBlockingQueue<>();

        volatile boolean running = true;

        EtcdWorker(String id, int slots, Claims claims) {
            this.id = id;
            this.claims = claims;
            this.client = connect();
            this.kv = client.getKVClient();
            this.watcher = client.getWatchClient()
                    .watch(
                            bytes(PENDING),
                            WatchOption.builder().isPrefix(true).build(),
                            // Never blocks the client's thread: the slots claim what the watch hands them.
                            Watch.listener(response -> {
                                for (WatchEvent e : response.getEvents()) {
                                    if (e.getEventType() == WatchEvent.EventType.PUT) {
                                        hints.offer(e.getKeyValue());
                                    }
                                }
                            }));
            for (int s = 0; s < slots; s++) {
                Thread t = new Thread(this::slot, "etcd-bench-" + id + "-" + s);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        /** A slot: claim any pending job, complete it, again; wait for the watch when none is pending. */
        private void slot() {
            while (running) {
                try {
                    KeyValue hint = hints.poll();
                    if (hint != null) {
                        tryClaim(hint);
                        continue;
                    }
                    List<KeyValue> pending = kv.get(
                                    bytes(PENDING),
                                    GetOption.builder()
                                            .isPrefix(true)
                                            .withLimit(CANDIDATES)
                                            .withSortField(GetOption.SortTarget.KEY)
                                            .withSortOrder(GetOption.SortOrder.ASCEND)
                                            .build())
                            .get(30, TimeUnit.SECONDS)
                            .getKvs();
                    if (pending.isEmpty()) {
                        hint = hints.poll(IDLE_WAIT_MS, TimeUnit.MILLISECONDS);
                        if (hint != null) {
                            tryClaim(hint);
                        }
                        continue;
                    }
                    // Start at a random candidate, so that workers looking at once try different keys.
                    int start = ThreadLocalRandom.current().nextInt(pending.size());
                    for (int i = 0; i < pending.size() && running; i++) {
                        if (tryClaim(pending.get((start + i) % pending.size()))) {
                            break;
                        }
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    if (running) {
                        pause();
                    }
                }
            }
        }

        /**
         * Claims the job if it is still pending (one transaction: the lease is committed when it answers), then
         * completes it (a delete): returns whether this worker did.
         */
        boolean tryClaim(KeyValue job) {
            String key = job.getKey().toString(StandardCharsets.UTF_8);
            String name = key.substring(PENDING.length());
            try {
                Txn claim = kv.txn()
                        .If(new Cmp(job.getKey(), Cmp.Op.EQUAL, CmpTarget.modRevision(job.getModRevision())))
                        .Then(
                                Op.delete(job.getKey(), DeleteOption.DEFAULT),
                                Op.put(bytes(LEASED + name), bytes(id), PutOption.DEFAULT));
                TxnResponse r = claim.commit().get(30, TimeUnit.SECONDS);
                if (!r.isSucceeded()) {
                    return false;
                }
                claims.claimed(name, System.nanoTime());
                kv.delete(bytes(LEASED + name)).get(30, TimeUnit.SECONDS);
                completed.incrementAndGet();
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (Exception e) {
                return false;
            }
        }

        private void pause() {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void close() throws InterruptedException {
            running = false;
            for (Thread t : threads) {
                t.interrupt();
            }
            for (Thread t : threads) {
                t.join(5_000);
            }
            watcher.close();
            client.close();
        }
    }

    @Override
    public void close() {}
}
