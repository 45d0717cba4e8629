package io.corral.coordinator.cluster;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.coordinator.Coordinator;
import io.corral.coordinator.config.ConfigLoader;
import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.coordinator.config.PeerConfig;
import io.corral.coordinator.lifecycle.LeaderHandover;
import io.corral.coordinator.store.StoreFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Real coordinators (Ratis over gRPC, RocksDB, Netty) in this JVM, on loopback ports and temporary directories. For
 * replication, restart and snapshot-install tests. Members can be stopped, restarted from their data and wiped.
 *
 * <p>Membership: {@link #newJoiner} makes a member that starts with {@code join: true} (added with {@code add-peer});
 * {@link #retire} marks a removed member so that {@link #restart} leaves it down. Both are saved with the cluster, so
 * a restart starts every member with the configuration it was first started with.
 */
public final class LocalCluster implements AutoCloseable {
    private final Path root;
    /** The bootstrap members: the static peers of every config. */
    private final List<PeerConfig> peers = new ArrayList<>();
    /** Members made by {@link #newJoiner}, which start with join: true. */
    private final List<PeerConfig> joiners = new ArrayList<>();
    /** Members {@link #restart} does not start. */
    private final Set<String> retired = new LinkedHashSet<>();

    private final Map<String, String> settings;
    /** Each member's host wall clock, by member id. */
    private final Function<String, LongSupplier> wallClockOf;

    private final Map<String, Coordinator> running = new LinkedHashMap<>();

    private LocalCluster(
            Path root, int size, Map<String, String> settings, Function<String, LongSupplier> wallClockOf) {
        this.root = root;
        this.settings = settings;
        this.wallClockOf = wallClockOf;
        Path saved = root.resolve("peers");
        try {
            if (Files.exists(saved)) {
                peers.addAll(readPeers(saved));
                if (Files.exists(root.resolve("joiners"))) {
                    joiners.addAll(readPeers(root.resolve("joiners")));
                }
                if (Files.exists(root.resolve("retired"))) {
                    retired.addAll(Files.readAllLines(root.resolve("retired")));
                }
            } else {
                int[] ports = freePorts(3 * size);
                for (int i = 1; i <= size; i++) {
                    int p = 3 * (i - 1);
                    peers.add(new PeerConfig(
                            "n" + i,
                            "127.0.0.1:" + ports[p],
                            "127.0.0.1:" + ports[p + 1],
                            "127.0.0.1:" + ports[p + 2]));
                }
                Files.createDirectories(root);
                Files.writeString(saved, peersFlag());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<PeerConfig> readPeers(Path file) throws IOException {
        String flag = Files.readString(file).strip();
        List<PeerConfig> out = new ArrayList<>();
        if (flag.isEmpty()) {
            return out;
        }
        for (JsonNode p : ConfigLoader.parsePeersFlag(flag)) {
            out.add(new PeerConfig(
                    p.get("id").asText(),
                    p.get("raft").asText(),
                    p.get("rpc").asText(),
                    p.get("http").asText()));
        }
        return out;
    }

    /**
     * Starts {@code size} members (again, with their data, when {@code root} holds a cluster already: then the
     * members it made with {@link #newJoiner} too, and not the retired ones) and waits for a leader. {@code settings}
     * are config overrides (dotted keys).
     */
    public static LocalCluster start(Path root, int size, Map<String, String> settings) {
        return start(root, size, settings, System::currentTimeMillis);
    }

    /** {@link #start(Path, int, Map)} with every member reading {@code wallClockMs} as its host's wall clock. */
    public static LocalCluster start(Path root, int size, Map<String, String> settings, LongSupplier wallClockMs) {
        return start(root, size, settings, id -> wallClockMs);
    }

    /** {@link #start(Path, int, Map)} with each member reading its own host's wall clock, {@code wallClockOf(id)}. */
    public static LocalCluster start(
            Path root, int size, Map<String, String> settings, Function<String, LongSupplier> wallClockOf) {
        LocalCluster c = new LocalCluster(root, size, settings, wallClockOf);
        for (String id : c.ids()) {
            c.startMember(id);
        }
        c.awaitLeader();
        return c;
    }

    /** Starts again a cluster that {@link #start} created in {@code root}, with the same addresses and data. */
    public static LocalCluster restart(Path root, int size, Map<String, String> settings) {
        return start(root, size, settings);
    }

    /** Fast elections for tests, a small snapshot threshold off by default (tests trigger snapshots). */
    public static Map<String, String> testSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("raft.electionTimeoutMinMs", "400");
        s.put("raft.electionTimeoutMaxMs", "800");
        s.put("raft.autoSnapshot", "false");
        s.put("raft.purgeGapEntries", "1");
        s.put("housekeeping.lockExpiryGraceMs", "500");
        return s;
    }

    /**
     * Distinct free ports: every socket stays open until all are chosen, so the system cannot hand out the same port
     * twice (it did, now and then, when each port was probed and released one at a time).
     */
    private static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket(0);
                s.setReuseAddress(true);
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // Closing a probe socket cannot fail in a way that matters here.
                }
            }
        }
    }

    /** A member's configuration: the settings (where {@code {id}} stands for the member's id), its addresses. */
    public CoordinatorConfig config(String id) {
        PeerConfig self = peer(id);
        Map<String, String> o = new LinkedHashMap<>(settings);
        if (joiners.contains(self)) {
            o.put("join", "true");
        }
        // Per-member values, such as each member's own certificate: tls.certChain=/pki/{id}.crt.
        o.replaceAll((key, value) -> value.replace("{id}", id));
        o.put("nodeId", id);
        o.put("dataDir", root.resolve(id).toString());
        o.put("raftAddress", self.raft());
        o.put("rpcAddress", self.rpc());
        o.put("httpAddress", self.http());
        o.put("peers", ConfigLoader.parsePeersFlag(peersFlag()).toString());
        return ConfigLoader.load(null, o);
    }

    public String peersFlag() {
        return peersFlag(peers);
    }

    private static String peersFlag(List<PeerConfig> peers) {
        StringBuilder sb = new StringBuilder();
        for (PeerConfig p : peers) {
            sb.append(sb.length() == 0 ? "" : ",")
                    .append(p.id())
                    .append('=')
                    .append(p.raft())
                    .append('/')
                    .append(p.rpc())
                    .append('/')
                    .append(p.http());
        }
        return sb.toString();
    }

    public PeerConfig peer(String id) {
        return members().stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow();
    }

    /** The members not retired: the bootstrap ones, then the joiners. */
    public List<String> ids() {
        return members().stream()
                .map(PeerConfig::id)
                .filter(id -> !retired.contains(id))
                .toList();
    }

    private List<PeerConfig> members() {
        List<PeerConfig> all = new ArrayList<>(peers);
        all.addAll(joiners);
        return all;
    }

    /**
     * A new member {@code id}, on fresh loopback ports, configured with {@code join: true} (and the bootstrap peers,
     * as an operator copying the cluster's config would have); not started.
     */
    public synchronized PeerConfig newJoiner(String id) {
        return newJoiner(id, "127.0.0.1");
    }

    /**
     * {@link #newJoiner(String)} with the Raft port on {@code raftHost}, another loopback address (127.0.0.2): a member
     * whose Raft and RPC hosts differ, as on hosts with a separate network for replication.
     */
    public synchronized PeerConfig newJoiner(String id, String raftHost) {
        if (members().stream().anyMatch(p -> p.id().equals(id))) {
            throw new IllegalArgumentException(id + " exists already");
        }
        int[] ports = freePorts(3);
        PeerConfig p = new PeerConfig(id, raftHost + ":" + ports[0], "127.0.0.1:" + ports[1], "127.0.0.1:" + ports[2]);
        joiners.add(p);
        save("joiners", peersFlag(joiners));
        return p;
    }

    /** A member removed from the configuration: {@link #restart} no longer starts it. */
    public synchronized void retire(String id) {
        retired.add(id);
        save("retired", String.join("\n", retired));
    }

    private void save(String file, String content) {
        try {
            Files.writeString(root.resolve(file), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized Coordinator startMember(String id) {
        if (running.containsKey(id)) {
            throw new IllegalStateException(id + " is already running");
        }
        try {
            Coordinator c = Coordinator.start(config(id), wallClockOf.apply(id));
            running.put(id, c);
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized void stopMember(String id) {
        Coordinator c = running.remove(id);
        if (c != null) {
            c.close();
        }
    }

    /** Stops a member as SIGTERM does ({@link Coordinator#shutdown()}): a leader hands leadership over first. */
    public LeaderHandover.Result shutdownMember(String id) {
        Coordinator c;
        synchronized (this) {
            c = running.remove(id);
        }
        if (c == null) {
            throw new IllegalStateException(id + " is not running");
        }
        return c.shutdown();
    }

    /** Deletes a stopped member's data, so that it must come back by snapshot installation. */
    public void wipeMember(String id) {
        if (running.containsKey(id)) {
            throw new IllegalStateException("stop " + id + " before wiping it");
        }
        try {
            StoreFiles.deleteRecursively(root.resolve(id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized Coordinator member(String id) {
        return Objects.requireNonNull(running.get(id), id + " is not running");
    }

    public synchronized List<Coordinator> running() {
        return List.copyOf(running.values());
    }

    /** Waits until the running members agree on a ready leader among them, and returns its id. */
    public String awaitLeader() {
        String[] leader = new String[1];
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    for (Coordinator c : running()) {
                        if (c.raft().isLeader()) {
                            leader[0] = c.raft().selfId();
                            return true;
                        }
                    }
                    return false;
                });
        return leader[0];
    }

    public Coordinator leader() {
        return member(awaitLeader());
    }

    /** Waits until every running member has applied at least {@code index}. */
    public void awaitApplied(long index) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> running().stream()
                        .allMatch(
                                c -> c.stateMachine().getLastAppliedTermIndex().getIndex() >= index));
    }

    /** host:port of every member's RPC server (the retired ones left out), for clients. */
    public String rpcAddresses() {
        return String.join(",", ids().stream().map(id -> peer(id).rpc()).toList());
    }

    @Override
    public synchronized void close() {
        for (String id : List.copyOf(running.keySet())) {
            stopMember(id);
        }
    }
}
