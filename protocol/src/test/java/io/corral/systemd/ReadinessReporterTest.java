package io.corral.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** READY=1 once, STATUS= on every change, nothing after close. */
class ReadinessReporterTest {
    @TempDir
    Path dir;

    @Test
    void readyIsSentOnceAndTheStatusOnEveryChange() throws Exception {
        AtomicReference<Readiness> now = new AtomicReference<>(Readiness.notReady("replaying log: applied 3 of 9"));
        try (NotifyReceiver systemd = NotifyReceiver.atPath(dir.resolve("notify.sock"));
                SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", systemd.notifySocket()))) {
            ReadinessReporter r = new ReadinessReporter(n, now::get, false);

            r.poll();
            assertThat(systemd.receive()).isEqualTo("STATUS=replaying log: applied 3 of 9");
            r.poll(); // unchanged: nothing
            now.set(Readiness.notReady("waiting for a leader"));
            r.poll();
            assertThat(systemd.receive()).isEqualTo("STATUS=waiting for a leader");
            assertThat(r.ready()).isFalse();

            now.set(Readiness.ready("leader n2, term 5"));
            r.poll();
            assertThat(systemd.receive()).isEqualTo("READY=1\nSTATUS=leader n2, term 5");
            assertThat(r.ready()).isTrue();

            now.set(Readiness.notReady("waiting for a leader"));
            r.poll();
            assertThat(systemd.receive()).isEqualTo("STATUS=waiting for a leader");
            now.set(Readiness.ready("leader n3, term 6"));
            r.poll();
            assertThat(systemd.receive()).isEqualTo("STATUS=leader n3, term 6");

            r.close();
            now.set(Readiness.ready("leader n1, term 7"));
            r.poll();
            n.stopping("stopping");
            assertThat(systemd.receive()).isEqualTo("STOPPING=1\nSTATUS=stopping");
        }
    }

    @Test
    void itsThreadReportsReadiness() throws Exception {
        try (NotifyReceiver systemd = NotifyReceiver.atPath(dir.resolve("notify.sock"));
                SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", systemd.notifySocket()));
                ReadinessReporter r = ReadinessReporter.start(n, () -> Readiness.ready("up"), 10)) {
            assertThat(systemd.receive()).isEqualTo("READY=1\nSTATUS=up");
        }
    }

    @Test
    void withoutSystemdNoThreadRuns() {
        try (ReadinessReporter r =
                ReadinessReporter.start(SystemdNotifier.disabled(), () -> Readiness.ready("up"), 10)) {
            assertThat(r.ready()).isFalse();
        }
    }
}
