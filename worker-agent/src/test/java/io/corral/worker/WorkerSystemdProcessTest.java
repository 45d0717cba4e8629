package io.corral.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
 * A real {@code corral-worker} process under a stand-in for systemd: a datagram socket named by NOTIFY_SOCKET, with
 * WATCHDOG_USEC set. It must report READY=1 once registered, ping the watchdog, and on SIGTERM send STOPPING=1 and
 * extend the stop timeout to cover its drain before it exits 0.
 */
@Tag("cluster")
class WorkerSystemdProcessTest {
    /** Bound on waiting for an expected notification; the test fails rather than hangs. */
    private static final long RECEIVE_TIMEOUT_MS = 30_000;
    /** One receive's bound, so the overall one is looked at between datagrams. */
    private static final int POLL_MS = 1_000;

    @TempDir
    Path dir;

    @Test
    void reportsReadinessPingsTheWatchdogAndAnnouncesItsDrain() throws Exception {
        Path socket = dir.resolve("notify.sock");
        try (AFUNIXDatagramSocket systemd = AFUNIXDatagramSocket.newInstance();
                WorkerProcesses fx = WorkerProcesses.start(dir, 3, WorkerProcesses.shortLeaseSettings())) {
            systemd.bind(AFUNIXSocketAddress.of(socket));
            systemd.setSoTimeout(POLL_MS);
            Process w1 =
                    fx.startWorker("w1", 2, Map.of("NOTIFY_SOCKET", socket.toString(), "WATCHDOG_USEC", "2000000"));
            List<String> seen = new ArrayList<>();

            String ready = receiveUntil(systemd, fx, seen, m -> m.startsWith("READY=1"));
            assertThat(ready).matches("READY=1\nSTATUS=registered as w1 at .*: 2 of 2 slots free");
            receiveUntil(systemd, fx, seen, "WATCHDOG=1"::equals);

            fx.terminate("w1");
            String stopping = receiveUntil(systemd, fx, seen, m -> m.startsWith("STOPPING=1"));
            assertThat(stopping).isEqualTo("STOPPING=1\nSTATUS=draining: 0 task(s) in flight, grace 60000 ms");
            String extend = receiveUntil(systemd, fx, seen, m -> m.startsWith("EXTEND_TIMEOUT_USEC="));
            long extendMs = Long.parseLong(extend.substring("EXTEND_TIMEOUT_USEC=".length())) / 1000;
            assertThat(extendMs).isGreaterThan(60_000);
            assertThat(w1.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(w1.exitValue()).as("worker log:%n%s", fx.logOf("w1")).isZero();
            assertThat(seen)
                    .as("READY=1 is sent once")
                    .filteredOn(m -> m.startsWith("READY=1"))
                    .hasSize(1);
        }
    }

    /**
     * Receives notifications until one matches, for at most {@link #RECEIVE_TIMEOUT_MS} in all (watchdog pings keep
     * coming, so each receive's own timeout would not end the wait); all received are added to {@code seen}.
     */
    private static String receiveUntil(
            AFUNIXDatagramSocket systemd, WorkerProcesses fx, List<String> seen, Predicate<String> match) {
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
                + "; worker log:\n" + fx.logOf("w1"));
    }
}
