package io.corral.jepsen.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

/**
 * A Corral cluster in containers on a private Docker network created for the test: {@code n1..n5} coordinators and
 * {@code w1..} workers, each its own container with NET_ADMIN (iptables, tc). The test JVM talks to the nodes
 * directly at their addresses on that network, as the clients of a real deployment would.
 */
public final class ContainerCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ContainerCluster.class);
    /** Where the distribution is mounted in every container. */
    private static final String DIST = "/opt/corral";

    private final ClusterSpec spec;
    private final Network network;
    private final List<Node> coordinators = new ArrayList<>();
    private final List<Node> workers = new ArrayList<>();

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
            for (int i = 1; i <= spec.coordinators(); i++) {
                c.coordinators.add(c.container("n" + i, Node.Role.COORDINATOR, image));
            }
            for (int i = 1; i <= spec.workers(); i++) {
                c.workers.add(c.container("w" + i, Node.Role.WORKER, image));
            }
            String peers = c.coordinators.stream()
                    .map(n -> n.name() + "=" + n.ip() + ":" + ClusterSpec.RAFT_PORT + "/" + n.ip() + ":"
                            + ClusterSpec.RPC_PORT + "/" + n.ip() + ":" + ClusterSpec.HTTP_PORT)
                    .collect(Collectors.joining(","));
            for (Node n : c.coordinators) {
                n.command(c.coordinatorCommand(n, peers));
                n.start();
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
        if (NodeImage.isHostJdk(image)) {
            for (String m : NodeImage.hostMounts()) {
                g.withFileSystemBind(m, m, BindMode.READ_ONLY);
            }
        }
        for (Map.Entry<String, Path> d : distributionDirs().entrySet()) {
            g.withFileSystemBind(d.getValue().toString(), DIST + "/" + d.getKey(), BindMode.READ_ONLY);
        }
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

    private List<String> coordinatorCommand(Node n, String peers) {
        List<String> cmd = java(Node.Role.COORDINATOR, "io.corral.coordinator.Main");
        cmd.addAll(List.of(
                "--node-id",
                n.name(),
                "--data-dir",
                "/var/lib/corral/" + n.name(),
                "--raft-address",
                n.ip() + ":" + ClusterSpec.RAFT_PORT,
                "--rpc-address",
                n.ip() + ":" + ClusterSpec.RPC_PORT,
                "--http-address",
                n.ip() + ":" + ClusterSpec.HTTP_PORT,
                "--peers",
                peers));
        spec.coordinatorSettings().forEach((k, v) -> cmd.addAll(List.of("--set", k + "=" + v)));
        return cmd;
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
                "/var/lib/corral/" + w.name()));
        return cmd;
    }

    /** The coordinators' client addresses, comma-separated, for the client library. */
    public String rpcAddresses() {
        return coordinators.stream()
                .map(n -> n.ip() + ":" + ClusterSpec.RPC_PORT)
                .collect(Collectors.joining(","));
    }

    public List<Node> coordinators() {
        return List.copyOf(coordinators);
    }

    public List<Node> workers() {
        return List.copyOf(workers);
    }

    public List<Node> nodes() {
        List<Node> all = new ArrayList<>(coordinators);
        all.addAll(workers);
        return all;
    }

    public Node node(String name) {
        return nodes().stream()
                .filter(n -> n.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + name));
    }

    public ClusterSpec spec() {
        return spec;
    }

    /** Stops every container (resuming paused ones first) and removes the network. Logs stay on the host. */
    @Override
    public void close() {
        for (Node n : nodes()) {
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
    }
}
