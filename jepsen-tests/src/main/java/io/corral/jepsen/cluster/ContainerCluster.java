package io.corral.jepsen.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

/**
 * A Corral cluster in containers on a private Docker network created for the test: {@code n1..n5} coordinators and
 * {@code w1..} workers, each its own container with NET_ADMIN (iptables, tc). The test JVM talks to the nodes
 * directly at their addresses on that network, as the clients of a real deployment would.
 *
 * <p>With {@link FaultSupport#spareCoordinators()}, spare coordinator containers run beside the members without a
 * Corral process: a membership nemesis starts one in join mode, adds it, removes another member and turns that one
 * into the next spare. {@link #coordinators()} are the members as the harness last set them; every client and worker
 * knows the addresses of all coordinator containers, spares included ({@link #rpcAddresses()}), as an operator who
 * lists every host a coordinator may run on would.
 */
public final class ContainerCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ContainerCluster.class);
    /** Where the distribution is mounted in every container. */
    private static final String DIST = "/opt/corral";

    /** Each coordinator's data directories live under this; a size-limited file system is mounted here. */
    static final String DATA_ROOT = "/var/lib/corral";

    private final ClusterSpec spec;
    private final Network network;
    /** Every coordinator container, members and spares, in name order; fixed once started. */
    private final List<Node> coordinatorContainers = new ArrayList<>();
    /** The members, as the harness last set them (a membership nemesis changes them from its own thread). */
    private final List<Node> coordinators = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final List<Node> workers = new ArrayList<>();
    private String peers = "";
    private ClusterTokens tokens;

    private ContainerCluster(ClusterSpec spec) {
        this.spec = spec;
        this.network = Network.newNetwork();
    }

    /** Starts the containers, then the coordinator processes, then the workers. */
    public static ContainerCluster start(ClusterSpec spec) {
        String image = NodeImage.ensure(spec.image());
        ContainerCluster c = new ContainerCluster(spec);
        try {
            Files.createDirectories(spec.logs());
            c.tokens = ClusterTokens.create(IntStream.rangeClosed(1, spec.workers())
                    .mapToObj(i -> "w" + i)
                    .toList());
            int spares = spec.faultSupport().spareCoordinators();
            for (int i = 1; i <= spec.coordinators() + spares; i++) {
                Node n = c.container("n" + i, Node.Role.COORDINATOR, image);
                c.coordinatorContainers.add(n);
                if (i <= spec.coordinators()) {
                    c.coordinators.add(n);
                }
            }
            for (int i = 1; i <= spec.workers(); i++) {
                c.workers.add(c.container("w" + i, Node.Role.WORKER, image));
            }
            c.peers = c.coordinators.stream()
                    .map(n -> n.name() + "=" + n.ip() + ":" + ClusterSpec.RAFT_PORT + "/" + n.ip() + ":"
                            + ClusterSpec.RPC_PORT + "/" + n.ip() + ":" + ClusterSpec.HTTP_PORT)
                    .collect(Collectors.joining(","));
            if (spec.faultSupport().fakeClock()) {
                FakeClock.prepare(c.coordinatorContainers);
            }
            for (Node n : c.coordinatorContainers) {
                boolean member = c.coordinators.contains(n);
                n.command(c.coordinatorCommand(n, !member));
                if (member) {
                    n.start();
                }
            }
            for (Node w : c.workers) {
                w.command(c.workerCommand(w));
                w.start();
            }
            log.info("cluster up: coordinators {}, workers {}", c.coordinators, c.workers);
            return c;
        } catch (IOException e) {
            c.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private Node container(String name, Node.Role role, String image) {
        GenericContainer<?> g = new GenericContainer<>(image)
                .withNetwork(network)
                .withNetworkAliases(name)
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withHostName(name)
                            .withName("corral-jepsen-" + name + "-"
                                    + network.getId().substring(0, 8));
                    cmd.getHostConfig().withCapAdd(com.github.dockerjava.api.model.Capability.NET_ADMIN);
                })
                .withCommand("sleep", "infinity")
                .withFileSystemBind(spec.logs().toAbsolutePath().toString(), "/var/log/corral", BindMode.READ_WRITE);
        long limitBytes = spec.faultSupport().dataDirLimitBytes();
        if (role == Node.Role.COORDINATOR && limitBytes > 0) {
            // A file system of its own per container, which a disk nemesis can fill without touching the host's.
            g.withTmpFs(Map.of(DATA_ROOT, "rw,size=" + limitBytes));
        }
        if (NodeImage.isHostJdk(image)) {
            for (String m : NodeImage.hostMounts()) {
                g.withFileSystemBind(m, m, BindMode.READ_ONLY);
            }
        }
        for (Map.Entry<String, Path> d : distributionDirs().entrySet()) {
            g.withFileSystemBind(d.getValue().toString(), DIST + "/" + d.getKey(), BindMode.READ_ONLY);
        }
        g.withFileSystemBind(tokens.dir().toString(), ClusterTokens.MOUNT, BindMode.READ_ONLY);
        g.start();
        String ip = g.getContainerInfo()
                .getNetworkSettings()
                .getNetworks()
                .values()
                .iterator()
                .next()
                .getIpAddress();
        return new Node(name, role, g, ip);
    }

    /** Host directories of the built jars, by their name under {@link #DIST}. */
    private Map<String, Path> distributionDirs() {
        Path root = spec.distribution().toAbsolutePath().normalize();
        if (Files.isDirectory(root.resolve("lib")) && Files.exists(root.resolve("lib/corral-coordinator.jar"))) {
            return Map.of("lib", root.resolve("lib"));
        }
        Path coordinator = root.resolve("coordinator/target");
        Path worker = root.resolve("worker-agent/target");
        for (Path jar :
                List.of(coordinator.resolve("corral-coordinator.jar"), worker.resolve("corral-worker-agent.jar"))) {
            if (!Files.exists(jar)) {
                throw new IllegalStateException(
                        jar + " is missing: build first with `mvn -B -DskipTests package` in " + root);
            }
        }
        return Map.of("coordinator", coordinator, "worker", worker);
    }

    private String classPath(Node.Role role) {
        if (distributionDirs().containsKey("lib")) {
            return DIST + "/lib/*";
        }
        return role == Node.Role.COORDINATOR
                ? DIST + "/coordinator/corral-coordinator.jar:" + DIST + "/coordinator/lib/*"
                : DIST + "/worker/corral-worker-agent.jar:" + DIST + "/worker/lib/*";
    }

    private List<String> java(Node.Role role, String mainClass) {
        List<String> cmd = new ArrayList<>(List.of("java"));
        for (String o : spec.javaOptions().trim().split("\\s+")) {
            if (!o.isEmpty()) {
                cmd.add(o);
            }
        }
        cmd.addAll(List.of("-cp", classPath(role), mainClass));
        return cmd;
    }

    /**
     * The coordinator's command line; a joiner starts empty and waits to be added (the members' list is passed all
     * the same: it names a former member with the addresses it keeps).
     */
    private List<String> coordinatorCommand(Node n, boolean join) {
        List<String> cmd = new ArrayList<>();
        if (spec.faultSupport().fakeClock()) {
            cmd.addAll(FakeClock.environment());
        }
        cmd.addAll(java(Node.Role.COORDINATOR, "io.corral.coordinator.Main"));
        cmd.addAll(List.of(
                "--node-id",
                n.name(),
                "--data-dir",
                dataDir(n),
                "--raft-address",
                n.ip() + ":" + ClusterSpec.RAFT_PORT,
                "--rpc-address",
                n.ip() + ":" + ClusterSpec.RPC_PORT,
                "--http-address",
                n.ip() + ":" + ClusterSpec.HTTP_PORT,
                "--peers",
                peers));
        if (join) {
            cmd.add("--join");
        }
        // Tokens on, as deployed (ClusterTokens); TLS off, which a member listening on its container's address refuses
        // unless told it is meant: the harness's network is its own, reached by nothing but the harness.
        if (spec.tokens()) {
            tokens.coordinatorSettings().forEach((k, v) -> cmd.addAll(List.of("--set", k + "=" + v)));
        }
        cmd.addAll(List.of("--set", "security.insecure=true"));
        spec.coordinatorSettings().forEach((k, v) -> cmd.addAll(List.of("--set", k + "=" + v)));
        spec.faultSupport().coordinatorSettings().forEach((k, v) -> cmd.addAll(List.of("--set", k + "=" + v)));
        return cmd;
    }

    /** A coordinator's data directory in its container. */
    public static String dataDir(Node n) {
        return DATA_ROOT + "/" + n.name();
    }

    private List<String> workerCommand(Node w) {
        List<String> cmd = java(Node.Role.WORKER, "io.corral.worker.Main");
        cmd.addAll(List.of(
                "--coordinators",
                rpcAddresses(),
                "--id",
                w.name(),
                "--slots",
                Integer.toString(spec.workerSlots()),
                "--state-dir",
                "/var/lib/corral/" + w.name(),
                "--token-file",
                tokens.workerTokenFile(w.name())));
        return cmd;
    }

    /**
     * The client addresses of every coordinator container, members first, then spares, comma-separated, for the
     * client library: a spare has no process (a client that tries it moves on at once) until it is added.
     */
    public String rpcAddresses() {
        List<Node> all = new ArrayList<>(coordinators);
        coordinatorContainers.stream().filter(n -> !all.contains(n)).forEach(all::add);
        return addresses(all);
    }

    /** The members' client addresses only, for requests a joining spare could not answer. */
    public String memberRpcAddresses() {
        return addresses(coordinators);
    }

    static String addresses(List<Node> nodes) {
        return nodes.stream().map(Node::rpcAddress).collect(Collectors.joining(","));
    }

    /** The members of the cluster, as the harness last set them. */
    public List<Node> coordinators() {
        return List.copyOf(coordinators);
    }

    /** Every coordinator container, members and spares, in name order. */
    public List<Node> allCoordinators() {
        return List.copyOf(coordinatorContainers);
    }

    /** Whether the node is a member of the cluster as the harness last set it. */
    public boolean isMember(Node n) {
        return coordinators.contains(n);
    }

    /** Coordinator containers that are not members: no process, or a joiner being added. */
    public List<Node> spares() {
        return coordinatorContainers.stream()
                .filter(n -> !coordinators.contains(n))
                .toList();
    }

    /** Starts a spare's coordinator in join mode, with an empty data directory, to be added by a membership change. */
    public void startJoiner(Node spare) {
        if (coordinators.contains(spare)) {
            throw new IllegalStateException(spare + " is a member, not a spare");
        }
        spare.command(coordinatorCommand(spare, true));
        spare.start();
    }

    /** Records that a spare was added to the cluster. */
    public void admitted(Node spare) {
        if (!coordinators.contains(spare)) {
            coordinators.add(spare);
        }
    }

    /**
     * Records that a member was removed, stops its process (a removed coordinator no longer serves: the operator
     * stops it) and deletes its data, so that it can join again later as a new member.
     */
    public void retire(Node member) {
        coordinators.remove(member);
        member.stopProcess();
        member.execOk("rm", "-rf", dataDir(member));
        member.command(coordinatorCommand(member, true));
    }

    public List<Node> workers() {
        return List.copyOf(workers);
    }

    /** The members and the workers: what a heal restores. Spares are left without a process. */
    public List<Node> nodes() {
        List<Node> all = new ArrayList<>(coordinators);
        all.addAll(workers);
        return all;
    }

    /** Any node by name, spares included. */
    public Node node(String name) {
        List<Node> all = new ArrayList<>(coordinatorContainers);
        all.addAll(workers);
        return all.stream()
                .filter(n -> n.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + name));
    }

    public ClusterSpec spec() {
        return spec;
    }

    /** The cluster's tokens: every client of the harness authenticates with one of them. */
    public ClusterTokens tokens() {
        return tokens;
    }

    /** Stops every container (resuming paused ones first) and removes the network. Logs stay on the host. */
    @Override
    public void close() {
        List<Node> all = new ArrayList<>(coordinatorContainers);
        all.addAll(workers);
        for (Node n : all) {
            try {
                n.stopContainer();
            } catch (RuntimeException e) {
                log.warn("could not stop {}: {}", n, e.toString());
            }
        }
        try {
            network.close();
        } catch (RuntimeException e) {
            log.warn("could not remove the test network: {}", e.toString());
        }
        if (tokens != null) {
            tokens.close();
        }
    }
}
