package io.corral.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sd_notify messages as a real AF_UNIX datagram socket receives them. */
class SystemdNotifierTest {
    @TempDir
    Path dir;

    private static SystemdNotifier notifierFor(NotifyReceiver receiver) {
        return SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", receiver.notifySocket()));
    }

    @Test
    void withoutNotifySocketNothingIsSent() {
        SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of());

        assertThat(n.enabled()).isFalse();
        assertThat(n.ready("up")).isFalse();
        assertThat(n.watchdogPing()).isFalse();
        n.close();
    }

    @Test
    void sendsEachKindOfMessageToASocketPath() throws Exception {
        try (NotifyReceiver systemd = NotifyReceiver.atPath(dir.resolve("notify.sock"));
                SystemdNotifier n = notifierFor(systemd)) {
            assertThat(n.enabled()).isTrue();

            assertThat(n.status("replaying log: applied 3 of 9")).isTrue();
            assertThat(systemd.receive()).isEqualTo("STATUS=replaying log: applied 3 of 9");
            n.ready("leader n2, term 5");
            assertThat(systemd.receive()).isEqualTo("READY=1\nSTATUS=leader n2, term 5");
            n.watchdogPing();
            assertThat(systemd.receive()).isEqualTo("WATCHDOG=1");
            n.stopping("stopping");
            assertThat(systemd.receive()).isEqualTo("STOPPING=1\nSTATUS=stopping");
            n.extendTimeout(90_000);
            assertThat(systemd.receive()).isEqualTo("EXTEND_TIMEOUT_USEC=90000000");
        }
    }

    @Test
    void sendsToAnAbstractSocket() throws Exception {
        try (NotifyReceiver systemd = NotifyReceiver.abstractName("corral-test-" + UUID.randomUUID());
                SystemdNotifier n = notifierFor(systemd)) {
            assertThat(systemd.notifySocket()).startsWith("@");

            n.ready("up");

            assertThat(systemd.receive()).isEqualTo("READY=1\nSTATUS=up");
        }
    }

    @Test
    void aStatusIsOneBoundedLine() throws Exception {
        try (NotifyReceiver systemd = NotifyReceiver.atPath(dir.resolve("notify.sock"));
                SystemdNotifier n = notifierFor(systemd)) {
            n.status("two\nlines\r\nhere");
            assertThat(systemd.receive()).isEqualTo("STATUS=two lines here");

            n.status("x".repeat(5000));
            String long_ = systemd.receive();
            assertThat(long_)
                    .hasSize("STATUS=".length() + SystemdNotifier.MAX_STATUS_CHARS)
                    .endsWith("...");
        }
    }

    @Test
    void anUnusableSocketValueDisablesIt() {
        for (String value : new String[] {"vsock:2:1234", "relative/notify.sock", "@", "/" + "x".repeat(200)}) {
            SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", value));
            assertThat(n.enabled()).as(value).isFalse();
        }
    }

    @Test
    void aMissingSocketNeverThrowsAndTheNextMessageFindsItOnceItExists() throws Exception {
        Path path = dir.resolve("later.sock");
        SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", path.toString()));

        assertThat(n.ready("up")).isFalse();
        assertThat(n.watchdogPing()).isFalse();

        try (NotifyReceiver systemd = NotifyReceiver.atPath(path)) {
            assertThat(n.status("back")).isTrue();
            assertThat(systemd.receive()).isEqualTo("STATUS=back");
        }
        n.close();
    }
}
