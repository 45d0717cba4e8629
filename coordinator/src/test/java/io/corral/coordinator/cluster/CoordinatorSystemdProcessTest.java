package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.coordinator.Coordinator;
import io.corral.coordinator.config.PeerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * A real {@code corral-coordinator} process (member n3; n1 and n2 run in this JVM) under a stand-in for systemd: a
 * datagram socket named by NOTIFY_SOCKET, with WATCHDOG_USEC set. It reports READY=1 with its leader, pings the
 * watchdog, and, as leader, on SIGTERM sends STOPPING=1, hands leadership over and exits 0.
 */
@Tag("cluster")
class CoordinatorSystemdProcessTest {
    /** Bound on waiting for an expected notification; the test fails rather than hangs. */
    private static final long RECEIVE_TIMEOUT_MS = 60_000;
    /** One receive's bound, so the overall one is looked at between datagrams. */
    private static final int POLL_MS = 1_000;

    @TempDir
    Path dir;

    @Test
    void reportsReadinessAndOnSigtermHandsLeadershipOverAndExitsZero() throws Exception {
        Path socket = dir.resolve("notify.sock");
        Path root = dir.resolve("c");
        try (AFUNIXDatagramSocket systemd = AFUNIXDatagramSocket.newInstance();
                LocalCluster cluster = LocalCluster.start(root, 3, LocalCluster.testSettings())) {
            systemd.bind(AFUNIXSocketAddress.of(socket));
            systemd.setSoTimeout(POLL_MS);
            cluster.stopMember("n3");
            Process n3 = startProcess(cluster, root, "n3", socket);
            List<String> seen = new ArrayList<>();
            try {
                assertThat(receiveUntil(systemd, seen, n3, m -> !m.equals("WATCHDOG=1")))
                        .isEqualTo("STATUS=starting");
                String ready = receiveUntil(systemd, seen, n3, m -> m.startsWith("READY=1"));
                assertThat(ready).matches("READY=1\nSTATUS=leader n[12], term \\d+");
                receiveUntil(systemd, seen, n3, "WATCHDOG=1"::equals);

                Coordinator n1 = cluster.member("n1");
                cluster.leader().raft().transferLeadership("n3");
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> "n3".equals(n1.raft().leaderId()));
                long term = n1.raft().info().getCurrentTerm();
                receiveUntil(systemd, seen, n3, m -> m.equals("STATUS=leader n3 (this member), term " + term));

                signal(n3, "TERM");
                String stopping = receiveUntil(systemd, seen, n3, m -> m.startsWith("STOPPING=1"));
                assertThat(stopping).startsWith("STOPPING=1\nSTATUS=stopping");
                assertThat(n3.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(n3.exitValue()).as("n3 log:%n%s", log(root)).isZero();
                String leader = cluster.awaitLeader();
                assertThat(cluster.member(leader).raft().info().getCurrentTerm())
                        .isEqualTo(term + 1);
                assertThat(log(root)).contains("leadership handed over: " + leader + " leads in term " + (term + 1));
                assertThat(seen).filteredOn(m -> m.startsWith("READY=1")).hasSize(1);
            } finally {
                n3.destroyForcibly();
            }
        }
    }

    private static Process startProcess(LocalCluster cluster, Path root, String id, Path socket) throws IOException {
        PeerConfig self = cluster.peer(id);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.corral.coordinator.Main",
                "--node-id",
                id,
                "--data-dir",
                root.resolve(id).toString(),
                "--raft-address",
                self.raft(),
                "--rpc-address",
                self.rpc(),
                "--http-address",
                self.http(),
                "--peers",
                cluster.peersFlag()));
        for (Map.Entry<String, String> s : LocalCluster.testSettings().entrySet()) {
            command.addAll(List.of("--set", s.getKey() + "=" + s.getValue()));
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(root.resolve(id + ".log").toFile());
        builder.environment().put("NOTIFY_SOCKET", socket.toString());
        builder.environment().put("WATCHDOG_USEC", "2000000");
        return builder.start();
    }

    private static String log(Path root) {
        try {
            return Files.readString(root.resolve("n3.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void signal(Process p, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
        assertThat(kill.waitFor()).as("kill -%s %d", signal, p.pid()).isZero();
    }

    /**
     * Receives notifications until one matches, for at most {@link #RECEIVE_TIMEOUT_MS} in all (watchdog pings keep
     * coming, so each receive's own timeout would not end the wait); all received are added to {@code seen}.
     */
    private static String receiveUntil(
            AFUNIXDatagramSocket systemd, List<String> seen, Process process, Predicate<String> match) {
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RECEIVE_TIMEOUT_MS);
        while (System.nanoTime() - deadlineNanos < 0) {
            DatagramPacket packet = new DatagramPacket(new byte[8192], 8192);
            try {
                systemd.receive(packet);
            } catch (SocketTimeoutException e) {
                continue; // nothing within one poll: look at the overall deadline
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String message = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
            seen.add(message);
            if (match.test(message)) {
                return message;
            }
        }
        throw new AssertionError("no matching notification within " + RECEIVE_TIMEOUT_MS + " ms; saw " + seen
                + "; process alive: " + process.isAlive());
    }
}
