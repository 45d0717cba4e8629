package io.corral.systemd;

import io.corral.systemd.internal.NotifySocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd about this process with the sd_notify protocol: one datagram of newline-separated {@code KEY=VALUE}
 * assignments to the AF_UNIX socket that {@code NOTIFY_SOCKET} names (a path, or {@code @name} in the abstract
 * namespace). See sd_notify(3).
 *
 * <p>Without {@code NOTIFY_SOCKET} (started by hand, by a test, or by a unit that is not {@code Type=notify}) every
 * method does nothing and returns false. No method throws: a daemon must keep running when systemd cannot be told
 * something. The first failure is logged as a warning, later ones at debug level, so a broken socket cannot flood the
 * log. Thread-safe.
 */
public final class SystemdNotifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotifier.class);

    public static final String NOTIFY_SOCKET_ENV = "NOTIFY_SOCKET";
    /**
     * Longest STATUS text sent; longer ones are cut. systemd reads at most 4 KiB per notification (its buffer is one
     * pipe page) and shows STATUS on one line of {@code systemctl status}, so a long one helps nobody.
     */
    public static final int MAX_STATUS_CHARS = 512;

    private final NotifySocket socket;
    private final String target;
    private boolean failedBefore;

    private SystemdNotifier(NotifySocket socket, String target) {
        this.socket = socket;
        this.target = target;
    }

    /** The notifier this process's environment asks for (a disabled one without {@code NOTIFY_SOCKET}). */
    public static SystemdNotifier fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * The notifier {@code env} asks for. An unusable {@code NOTIFY_SOCKET} (neither an absolute path nor
     * {@code @name}, for example systemd's {@code vsock:} form) is logged and gives a disabled notifier.
     */
    public static SystemdNotifier fromEnvironment(Map<String, String> env) {
        String value = env.get(NOTIFY_SOCKET_ENV);
        if (value == null || value.isEmpty()) {
            return disabled();
        }
        try {
            return new SystemdNotifier(NotifySocket.parse(value), value);
        } catch (IllegalArgumentException e) {
            LOG.warn("{}={} is not usable ({}); not notifying systemd", NOTIFY_SOCKET_ENV, value, e.getMessage());
            return disabled();
        }
    }

    /** A notifier that sends nothing. */
    public static SystemdNotifier disabled() {
        return new SystemdNotifier(null, null);
    }

    /** Whether notifications are sent at all (NOTIFY_SOCKET was set and usable). */
    public boolean enabled() {
        return socket != null;
    }

    /** The socket notifications go to, as NOTIFY_SOCKET gave it; null when disabled. */
    public String target() {
        return target;
    }

    /** {@code READY=1} with a status line: start-up is complete. */
    public boolean ready(String status) {
        return send("READY=1\nSTATUS=" + statusText(status));
    }

    /** {@code STATUS=...}: the one line {@code systemctl status} shows. */
    public boolean status(String status) {
        return send("STATUS=" + statusText(status));
    }

    /** {@code STOPPING=1} with a status line: the process has begun to shut down. */
    public boolean stopping(String status) {
        return send("STOPPING=1\nSTATUS=" + statusText(status));
    }

    /** {@code WATCHDOG=1}: the process is healthy (see {@link Watchdog}, which decides when to send it). */
    public boolean watchdogPing() {
        return send("WATCHDOG=1");
    }

    /**
     * {@code EXTEND_TIMEOUT_USEC=...}: the start-up, running or stop timeout of the current state is extended to at
     * least {@code timeoutMs} from now.
     */
    public boolean extendTimeout(long timeoutMs) {
        if (timeoutMs <= 0) {
            throw new IllegalArgumentException("timeoutMs must be positive, got " + timeoutMs);
        }
        return send("EXTEND_TIMEOUT_USEC=" + Math.multiplyExact(timeoutMs, 1000L));
    }

    /**
     * Sends raw newline-separated assignments. Returns whether the datagram went out; false when disabled or when it
     * failed (logged).
     */
    public synchronized boolean send(String assignments) {
        if (socket == null) {
            return false;
        }
        try {
            socket.send(assignments.getBytes(StandardCharsets.UTF_8));
            return true;
        } catch (Exception | LinkageError e) {
            // LinkageError: junixsocket's native library could not be loaded (a noexec temp directory, an unusual
            // platform). The daemon carries on; systemd will notice the missing notifications by its own timeouts.
            if (!failedBefore) {
                failedBefore = true;
                LOG.warn(
                        "could not notify systemd at {} ({}): {}; later failures are logged at debug level",
                        target,
                        firstLine(assignments),
                        e.toString());
            } else {
                LOG.debug("could not notify systemd at {} ({}): {}", target, firstLine(assignments), e.toString());
            }
            return false;
        }
    }

    /** One line, at most {@link #MAX_STATUS_CHARS}: a newline would start a new assignment. */
    static String statusText(String status) {
        String line = status == null ? "" : status.replaceAll("[\\r\\n]+", " ");
        return line.length() <= MAX_STATUS_CHARS ? line : line.substring(0, MAX_STATUS_CHARS - 3) + "...";
    }

    private static String firstLine(String assignments) {
        int nl = assignments.indexOf('\n');
        return nl < 0 ? assignments : assignments.substring(0, nl);
    }

    @Override
    public synchronized void close() {
        if (socket != null) {
            socket.close();
        }
    }
}
