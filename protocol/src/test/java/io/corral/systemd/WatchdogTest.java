package io.corral.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Pings only while healthy, withholds and says why otherwise, and reads its interval as systemd gives it. */
class WatchdogTest {
    private static final long PID = 4242;

    @TempDir
    Path dir;

    private final AtomicLong nowMs = new AtomicLong(1_000);
    private final AtomicReference<Health> health = new AtomicReference<>(Health.OK);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private NotifyReceiver systemd;
    private SystemdNotifier notifier;

    @BeforeEach
    void setUp() throws Exception {
        systemd = NotifyReceiver.atPath(dir.resolve("notify.sock"));
        notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", systemd.notifySocket()));
        log.start();
        ((Logger) LoggerFactory.getLogger(Watchdog.class)).addAppender(log);
    }

    @AfterEach
    void tearDown() {
        ((Logger) LoggerFactory.getLogger(Watchdog.class)).detachAppender(log);
        notifier.close();
        systemd.close();
    }

    private Watchdog manual() {
        return new Watchdog(notifier, 30_000, health::get, nowMs::get, false);
    }

    private List<String> warnings() {
        return log.list.stream()
                .filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void theIntervalComesFromWatchdogUsecForThisProcessOnly() {
        assertThat(Watchdog.intervalMs(Map.of(), PID)).isEmpty();
        assertThat(Watchdog.intervalMs(Map.of("WATCHDOG_USEC", "30000000"), PID))
                .hasValue(30_000);
        assertThat(Watchdog.intervalMs(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "4242"), PID))
                .hasValue(30_000);
        assertThat(Watchdog.intervalMs(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "17"), PID))
                .isEmpty();
        assertThat(Watchdog.intervalMs(Map.of("WATCHDOG_USEC", "30s"), PID)).isEmpty();
        assertThat(Watchdog.intervalMs(Map.of("WATCHDOG_USEC", "5"), PID)).isEmpty();
    }

    @Test
    void pingsWhileHealthyAndWithholdsThePingWhileNot() {
        Watchdog w = manual();

        assertThat(w.tick()).isTrue();
        assertThat(systemd.receive()).isEqualTo("WATCHDOG=1");

        health.set(Health.unhealthy("rpc event loop did not run a task within 2000 ms"));
        assertThat(w.tick()).isFalse();
        assertThat(w.unhealthy()).isTrue();
        // Datagrams on a local socket arrive in order: the next one is this marker, so the round sent nothing.
        notifier.status("marker");
        assertThat(systemd.receive()).isEqualTo("STATUS=marker");

        health.set(Health.OK);
        assertThat(w.tick()).isTrue();
        assertThat(systemd.receive()).isEqualTo("WATCHDOG=1");
        assertThat(w.unhealthy()).isFalse();
    }

    @Test
    void aThrowingCheckCountsAsUnhealthy() {
        Watchdog w = new Watchdog(
                notifier,
                30_000,
                () -> {
                    throw new IllegalStateException("raft division is not running");
                },
                nowMs::get,
                false);

        assertThat(w.tick()).isFalse();
        assertThat(warnings()).singleElement().asString().contains("raft division is not running");
    }

    @Test
    void theReasonIsLoggedOncePerLogIntervalWhileUnhealthyAndRecoveryIsLogged() {
        Watchdog w = manual();
        health.set(Health.unhealthy("state machine failed"));

        w.tick();
        nowMs.addAndGet(Watchdog.LOG_EVERY_MS - 1);
        w.tick();
        assertThat(warnings()).hasSize(1);
        assertThat(warnings().get(0))
                .contains("unhealthy: state machine failed")
                .contains("withholding");

        nowMs.addAndGet(1);
        w.tick();
        assertThat(warnings()).hasSize(2);
        assertThat(warnings().get(1)).contains("still unhealthy after 10000 ms: state machine failed");

        health.set(Health.OK);
        nowMs.addAndGet(500);
        w.tick();
        assertThat(log.list.get(log.list.size() - 1).getFormattedMessage()).contains("healthy again after 10500 ms");
    }

    @Test
    void itsThreadPingsEveryHalfInterval() {
        Map<String, String> env = Map.of("WATCHDOG_USEC", "200000", "WATCHDOG_PID", Long.toString(PID));
        try (Watchdog w = Watchdog.start(notifier, env, PID, health::get, nowMs::get)) {
            assertThat(w.running()).isTrue();
            assertThat(w.intervalMs()).isEqualTo(200);
            assertThat(systemd.receive()).isEqualTo("WATCHDOG=1");
            assertThat(systemd.receive()).isEqualTo("WATCHDOG=1");
        }
    }

    @Test
    void nothingRunsWithoutWatchdogUsecOrWithoutNotifySocket() {
        try (Watchdog w = Watchdog.start(notifier, Map.of(), PID, health::get, nowMs::get)) {
            assertThat(w.running()).isFalse();
        }
        try (Watchdog w = Watchdog.start(
                SystemdNotifier.disabled(), Map.of("WATCHDOG_USEC", "200000"), PID, health::get, nowMs::get)) {
            assertThat(w.running()).isFalse();
        }
    }
}
