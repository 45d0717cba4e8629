package io.corral.jepsen.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;

/**
 * One node of the cluster under test: a container that stays up for the whole test, and the Corral process in it,
 * which the harness starts, kills (SIGKILL) and starts again with {@code docker exec}, so that the node keeps its
 * data directory, its address and its firewall rules across crashes. The process writes its log to {@code
 * /var/log/corral/NAME.log}, a directory of the test's results on the host.
 */
public final class Node {
    public enum Role {
        COORDINATOR,
        WORKER
    }

    /** The pattern {@code pgrep}/{@code pkill} use to find the node's Corral process (coordinator or worker). */
    static final String PROCESS_PATTERN = "io\\.corral\\.(coordinator|worker)\\.Main";

    private final String name;
    private final Role role;
    private final GenericContainer<?> container;
    private final String ip;
    private List<String> command = List.of();

    Node(String name, Role role, GenericContainer<?> container, String ip) {
        this.name = name;
        this.role = role;
        this.container = container;
        this.ip = ip;
    }

    public String name() {
        return name;
    }

    public Role role() {
        return role;
    }

    /** The node's address on the test's network; the test JVM reaches it directly. */
    public String ip() {
        return ip;
    }

    /** The node's client address (coordinators). */
    public String rpcAddress() {
        return ip + ":" + ClusterSpec.RPC_PORT;
    }

    /** The node's Raft address (coordinators). */
    public String raftAddress() {
        return ip + ":" + ClusterSpec.RAFT_PORT;
    }

    /** The node's HTTP address (coordinators). */
    public String httpAddress() {
        return ip + ":" + ClusterSpec.HTTP_PORT;
    }

    public String containerId() {
        return container.getContainerId();
    }

    /** Remembers the command line of the node's process, for {@link #start()} after a kill. */
    void command(List<String> command) {
        this.command = List.copyOf(command);
    }

    /** Starts the node's process in the background (no-op when it runs already). */
    public void start() {
        if (running()) {
            return;
        }
        String line = command.stream().map(Node::quote).collect(Collectors.joining(" "));
        exec("sh", "-c", "nohup " + line + " >>/var/log/corral/" + name + ".log 2>&1 &");
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed that was not already. */
    public void kill() {
        exec("pkill", "-9", "-f", PROCESS_PATTERN);
    }

    /** SIGQUIT: the JVM prints every thread's stack to its output, this node's log, and carries on. */
    public void threadDump() {
        exec("pkill", "-QUIT", "-f", PROCESS_PATTERN);
    }

    /** SIGTERM: the graceful path (a worker drains, a coordinator closes its store). */
    public void terminate() {
        exec("pkill", "-TERM", "-f", PROCESS_PATTERN);
    }

    /** How long a graceful stop may take before the process is killed. */
    static final long STOP_TIMEOUT_MS = 15_000;

    /**
     * Stops the process for good: SIGTERM, then SIGKILL if it has not exited within {@link #STOP_TIMEOUT_MS}. Returns
     * once it is gone.
     */
    public void stopProcess() {
        terminate();
        long deadline = System.nanoTime() + STOP_TIMEOUT_MS * 1_000_000;
        while (running() && System.nanoTime() < deadline) {
            pauseMs(100);
        }
        while (running()) {
            kill();
            pauseMs(100);
        }
    }

    private static void pauseMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping a process", e);
        }
    }

    public boolean running() {
        return exec("pgrep", "-f", PROCESS_PATTERN).getExitCode() == 0;
    }

    /** Freezes every process of the container (cgroup freezer): the node neither runs nor answers, nor times out. */
    public void pause() {
        DockerClientFactory.instance().client().pauseContainerCmd(containerId()).exec();
    }

    public void resume() {
        DockerClientFactory.instance()
                .client()
                .unpauseContainerCmd(containerId())
                .exec();
    }

    public boolean paused() {
        Boolean p = DockerClientFactory.instance()
                .client()
                .inspectContainerCmd(containerId())
                .exec()
                .getState()
                .getPaused();
        return Boolean.TRUE.equals(p);
    }

    /** Runs a command in the container; returns its result (exit code, output). */
    public Container.ExecResult exec(String... argv) {
        try {
            return container.execInContainer(argv);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", argv), e);
        }
    }

    /** Runs a command that must succeed. */
    public String execOk(String... argv) {
        Container.ExecResult r = exec(argv);
        if (r.getExitCode() != 0) {
            throw new IllegalStateException(name + ": `" + String.join(" ", argv) + "` exited " + r.getExitCode() + ": "
                    + r.getStderr().strip());
        }
        return r.getStdout();
    }

    void stopContainer() {
        if (container.isRunning()) {
            if (paused()) {
                resume();
            }
            container.stop();
        }
    }

    private static String quote(String s) {
        if (s.matches("[A-Za-z0-9_./:=,@%+-]+")) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    @Override
    public String toString() {
        return name + "(" + ip + ")";
    }

    static List<String> names(List<Node> nodes) {
        List<String> out = new ArrayList<>();
        nodes.forEach(n -> out.add(n.name()));
        return out;
    }
}
