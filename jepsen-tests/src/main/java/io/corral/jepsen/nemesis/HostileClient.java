package io.corral.jepsen.nemesis;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.jepsen.cluster.ClusterSpec;
import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.Node;
import io.corral.jepsen.nemesis.HostileConnections.HttpAnswer;
import io.corral.jepsen.nemesis.HostileConnections.Script;
import io.corral.jepsen.nemesis.HostileConnections.Target;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code hostile-client}: a hostile client attacks one coordinator (the leader when known) from the harness's JVM, as
 * in issue 10: 1,200 connections to its RPC port, most sending the length prefix of a 2 MiB frame and all but its last
 * byte and then holding (700 without a Hello; 500 after a Hello with a valid submitter token, an insider's, some of
 * them trickling a byte a second), and 300 to its HTTP
 * port sending request heads or bodies that never end. Connections the member closes are opened again, so the pressure
 * lasts the whole fault; healing closes them all.
 *
 * <p>While it lasts a probe asks, every second, what a real client gets from that member: a Hello round trip on a new
 * connection and {@code GET /health}; every other second its resident memory and its direct buffers (Netty's, where
 * connections' bytes are held, from its {@code /metrics}). When healed it reads the member's
 * {@code /metrics} (what the limits closed, the most held in unfinished frames). Samples and one summary per fault go
 * to {@code hostile-client.jsonl} in the run's log directory, for the report's reader and for the tests.
 */
public final class HostileClient implements Nemesis {
    public static final String KIND = "hostile-client";
    public static final String SAMPLES = "hostile-client.jsonl";
    /** What the probe allows a real client's Hello, and a GET, before it counts it as failed. */
    public static final int PROBE_TIMEOUT_MS = 3_000;

    static final int CONNECTS_PER_SECOND = 400;
    static final int RECONNECTS_PER_SECOND = 50;

    private static final Logger log = LoggerFactory.getLogger(HostileClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Fault start(ContainerCluster cluster, Leaders leaders, Random random) {
        Node target = leaders.leaderOrRandom(cluster, random);
        InetSocketAddress rpc = new InetSocketAddress(target.ip(), ClusterSpec.RPC_PORT);
        InetSocketAddress http = new InetSocketAddress(target.ip(), ClusterSpec.HTTP_PORT);
        List<Target> targets = List.of(
                new Target(rpc, Script.PARTIAL_FRAME, 700),
                new Target(rpc, Script.PARTIAL_FRAME_AFTER_HELLO, 400),
                new Target(rpc, Script.SLOW_FRAME, 100),
                new Target(http, Script.SLOW_HTTP_HEAD, 200),
                new Target(http, Script.PARTIAL_HTTP_BODY, 100));
        Probe probe = new Probe(
                target,
                rpc,
                http,
                cluster.spec().logs().resolve(SAMPLES),
                cluster.tokens().probe());
        // An insider: its Hellos carry a valid submitter token, so the partial frames after them are an authenticated
        // connection's, held to the larger limits.
        HostileConnections attack = HostileConnections.start(
                targets,
                CONNECTS_PER_SECOND,
                RECONNECTS_PER_SECOND,
                cluster.tokens().hostile());
        probe.start(attack);
        Map<String, Object> detail = Map.of("node", target.name(), "rpcConnections", 1200, "httpConnections", 300);
        return new Fault() {
            private boolean healed;

            @Override
            public String kind() {
                return KIND;
            }

            @Override
            public Map<String, Object> detail() {
                return detail;
            }

            @Override
            public synchronized void heal() {
                if (!healed) {
                    healed = true;
                    attack.close();
                    probe.finish(attack.stats());
                }
            }
        };
    }

    /** What a real client sees of the attacked member while the attack lasts. */
    private static final class Probe {
        private final Node node;
        private final InetSocketAddress rpc;
        private final InetSocketAddress http;
        private final Path file;
        private final String token;
        private final long startNanos = System.nanoTime();
        private final long rssBeforeKiB;
        private final long directBeforeBytes;
        private final List<Long> hellos = Collections.synchronizedList(new ArrayList<>());
        private final List<Integer> healths = Collections.synchronizedList(new ArrayList<>());
        private volatile long rssMaxKiB;
        private volatile long directMaxBytes;
        private volatile boolean running = true;
        private Thread thread;

        Probe(Node node, InetSocketAddress rpc, InetSocketAddress http, Path file, String token) {
            this.node = node;
            this.token = token;
            this.rpc = rpc;
            this.http = http;
            this.file = file;
            this.rssBeforeKiB = rssKiB();
            this.rssMaxKiB = rssBeforeKiB;
            this.directBeforeBytes = directBytes();
            this.directMaxBytes = directBeforeBytes;
        }

        void start(HostileConnections attack) {
            thread = new Thread(() -> loop(attack), "hostile-client-probe");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop(HostileConnections attack) {
            for (int second = 0; running; second++) {
                long next = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                long hello = HostileConnections.helloMs(rpc, PROBE_TIMEOUT_MS, token);
                HttpAnswer health = HostileConnections.httpGet(http, "/health", PROBE_TIMEOUT_MS, null);
                long rss = second % 2 == 1 ? rssKiB() : -1;
                long direct = second % 2 == 1 ? directBytes() : -1;
                hellos.add(hello);
                healths.add(health.status());
                rssMaxKiB = Math.max(rssMaxKiB, rss);
                directMaxBytes = Math.max(directMaxBytes, direct);
                Map<String, Object> sample = new LinkedHashMap<>();
                sample.put("node", node.name());
                sample.put("tMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
                sample.put("helloMs", hello);
                sample.put("healthStatus", health.status());
                sample.put("healthMs", health.ms());
                sample.put("rssKiB", rss);
                sample.put("directBytes", direct);
                sample.put("attack", attack.stats());
                append(sample);
                long leftMs = TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime());
                if (leftMs > 0 && running) {
                    try {
                        Thread.sleep(leftMs);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }

        /** Stops probing and writes the fault's summary, with what the member's own metrics say. */
        void finish(HostileConnections.Stats attack) {
            running = false;
            try {
                thread.join(3L * PROBE_TIMEOUT_MS); // one round: a Hello, a GET and a memory reading
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            List<Long> h;
            synchronized (hellos) {
                h = new ArrayList<>(hellos);
            }
            List<Long> ok = h.stream().filter(ms -> ms >= 0).sorted().toList();
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("summary", true);
            summary.put("node", node.name());
            summary.put("seconds", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos));
            summary.put("helloProbes", h.size());
            summary.put("helloFailures", h.size() - ok.size());
            summary.put("helloMedianMs", ok.isEmpty() ? -1 : ok.get(ok.size() / 2));
            summary.put("helloMaxMs", ok.isEmpty() ? -1 : ok.get(ok.size() - 1));
            synchronized (healths) {
                summary.put("healthProbes", healths.size());
                summary.put("health200", healths.stream().filter(s -> s == 200).count());
                summary.put(
                        "healthUnanswered", healths.stream().filter(s -> s < 0).count());
            }
            summary.put("rssBeforeKiB", rssBeforeKiB);
            summary.put("rssMaxKiB", rssMaxKiB);
            summary.put("directBeforeBytes", directBeforeBytes);
            summary.put("directMaxBytes", directMaxBytes);
            summary.put("attack", attack);
            summary.put("metrics", limitMetrics());
            append(summary);
            log.info("hostile-client on {}: {}", node.name(), summary);
        }

        /** The member's direct buffers in bytes, from its {@code /metrics}; -1 when it does not answer in time. */
        private long directBytes() {
            Double d = metrics(PROBE_TIMEOUT_MS).get("corral_jvm_direct_buffer_bytes");
            return d == null ? -1 : d.longValue();
        }

        /** The member's own figures of its limits, from {@code /metrics}; empty when it does not answer. */
        private Map<String, Double> limitMetrics() {
            Map<String, Double> out = new TreeMap<>();
            metrics(10_000).forEach((name, value) -> {
                if (name.startsWith("corral_rpc_connections")
                        || name.startsWith("corral_rpc_unfinished_frame_bytes")
                        || name.startsWith("corral_http_connections")) {
                    out.put(name, value);
                }
            });
            return out;
        }

        private Map<String, Double> metrics(int timeoutMs) {
            HttpAnswer scrape = HostileConnections.httpGet(http, "/metrics", timeoutMs, token);
            Map<String, Double> out = new TreeMap<>();
            for (String line : scrape.body().split("\n")) {
                int space = line.lastIndexOf(' ');
                if (!line.startsWith("#") && space > 0) {
                    out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                }
            }
            return out;
        }

        /** The coordinator process's resident memory in KiB, read in its container; -1 when it cannot be read. */
        private long rssKiB() {
            try {
                String status = node.exec(
                                "sh", "-c", "cat /proc/$(pgrep -f 'io[.]corral[.]coordinator[.]Main' | head -1)/status")
                        .getStdout();
                for (String line : status.split("\n")) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("\\D+", ""));
                    }
                }
            } catch (RuntimeException e) {
                // The member may be down: no figure this time.
            }
            return -1;
        }

        private synchronized void append(Map<String, Object> line) {
            try {
                Files.writeString(
                        file,
                        JSON.writeValueAsString(line) + "\n",
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
