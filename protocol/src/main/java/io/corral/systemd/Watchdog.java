package io.corral.systemd;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's software watchdog ({@code WatchdogSec=} in the unit): a daemon thread sends {@code WATCHDOG=1} every half
 * interval, but only while the daemon's {@link Health.Check} passes. A wedged process (a dead event loop, a failed state
 * machine) stops pinging, and systemd kills and restarts it one interval later. What counts as healthy is the daemon's
 * business; it must not include "the cluster is reachable", or a partition would restart every member cut off.
 *
 * <p>The watchdog is on when systemd sets {@code WATCHDOG_USEC} and, if it sets {@code WATCHDOG_PID}, that pid is this
 * process. Otherwise nothing runs. While the check fails the reason is logged at most once per {@link #LOG_EVERY_MS},
 * and once more when the check passes again.
 */
public final class Watchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

    public static final String WATCHDOG_USEC_ENV = "WATCHDOG_USEC";
    public static final String WATCHDOG_PID_ENV = "WATCHDOG_PID";
    /** While unhealthy, the reason is logged at most this often. */
    public static final long LOG_EVERY_MS = 10_000;
    /** Below this the pings would cost more than they are worth; systemd's own minimum is 1 s in practice. */
    static final long MIN_INTERVAL_MS = 100;

    private final SystemdNotifier notifier;
    private final Health.Check check;
    private final LongSupplier clockMs;
    private final long intervalMs;
    private final ScheduledExecutorService timer;
    /** Since when the check has failed; -1 while healthy. Only the ticking thread touches these. */
    private long unhealthySinceMs = -1;

    private long lastLoggedMs;

    Watchdog(SystemdNotifier notifier, long intervalMs, Health.Check check, LongSupplier clockMs, boolean run) {
        this.notifier = notifier;
        this.intervalMs = intervalMs;
        this.check = check;
        this.clockMs = clockMs;
        this.timer = run
                ? Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "systemd-watchdog");
                    t.setDaemon(true);
                    return t;
                })
                : null;
    }

    /** Starts the watchdog this process's environment asks for (none without WATCHDOG_USEC or NOTIFY_SOCKET). */
    public static Watchdog start(SystemdNotifier notifier, Health.Check check) {
        return start(notifier, System.getenv(), ProcessHandle.current().pid(), check, Watchdog::monotonicMs);
    }

    /** As {@link #start(SystemdNotifier, Health.Check)}, with the environment, pid and clock given. */
    public static Watchdog start(
            SystemdNotifier notifier, Map<String, String> env, long pid, Health.Check check, LongSupplier clockMs) {
        OptionalLong interval = intervalMs(env, pid);
        if (!notifier.enabled() || interval.isEmpty()) {
            return new Watchdog(notifier, 0, check, clockMs, false);
        }
        Watchdog w = new Watchdog(notifier, interval.getAsLong(), check, clockMs, true);
        long everyMs = Math.max(1, w.intervalMs / 2);
        w.timer.scheduleWithFixedDelay(w::tickSafely, 0, everyMs, TimeUnit.MILLISECONDS);
        LOG.info("systemd watchdog on: interval {} ms, a ping every {} ms while healthy", w.intervalMs, everyMs);
        return w;
    }

    /**
     * The watchdog interval systemd asks this process ({@code pid}) for, in milliseconds; empty when there is none.
     * A malformed value is logged and ignored (no watchdog rather than a daemon that cannot start).
     */
    public static OptionalLong intervalMs(Map<String, String> env, long pid) {
        String usec = env.get(WATCHDOG_USEC_ENV);
        if (usec == null || usec.isEmpty()) {
            return OptionalLong.empty();
        }
        String forPid = env.get(WATCHDOG_PID_ENV);
        if (forPid != null && !forPid.isEmpty() && !forPid.equals(Long.toString(pid))) {
            LOG.debug("{}={} is another process (this is {}); no watchdog", WATCHDOG_PID_ENV, forPid, pid);
            return OptionalLong.empty();
        }
        long micros;
        try {
            micros = Long.parseLong(usec);
        } catch (NumberFormatException e) {
            LOG.warn("{}={} is not a number of microseconds; no watchdog", WATCHDOG_USEC_ENV, usec);
            return OptionalLong.empty();
        }
        if (micros < MIN_INTERVAL_MS * 1000) {
            LOG.warn("{}={} is below {} ms; no watchdog", WATCHDOG_USEC_ENV, usec, MIN_INTERVAL_MS);
            return OptionalLong.empty();
        }
        return OptionalLong.of(micros / 1000);
    }

    /** Whether a thread is pinging. */
    public boolean running() {
        return timer != null && !timer.isShutdown();
    }

    /** The interval systemd expects a ping within, in milliseconds; 0 when off. */
    public long intervalMs() {
        return intervalMs;
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warn("watchdog round failed: {}", e.toString(), e);
        }
    }

    /**
     * One round: runs the check and pings if it passes. Returns whether it pinged. Called by the watchdog's thread;
     * tests call it directly.
     */
    boolean tick() {
        Health health;
        try {
            health = check.check();
        } catch (RuntimeException e) {
            health = Health.unhealthy("the health check failed: " + e);
        }
        long now = clockMs.getAsLong();
        if (health.healthy()) {
            if (unhealthySinceMs >= 0) {
                LOG.info("healthy again after {} ms; systemd watchdog pings resume", now - unhealthySinceMs);
                unhealthySinceMs = -1;
            }
            notifier.watchdogPing();
            return true;
        }
        if (unhealthySinceMs < 0) {
            unhealthySinceMs = now;
            lastLoggedMs = now;
            LOG.warn(
                    "unhealthy: {}; withholding systemd watchdog pings (systemd restarts this process within {} ms"
                            + " unless it recovers)",
                    health.problem(),
                    intervalMs);
        } else if (now - lastLoggedMs >= LOG_EVERY_MS) {
            lastLoggedMs = now;
            LOG.warn("still unhealthy after {} ms: {}", now - unhealthySinceMs, health.problem());
        }
        return false;
    }

    /** Whether the last round found the process unhealthy. */
    boolean unhealthy() {
        return unhealthySinceMs >= 0;
    }

    /** Stops pinging. For shutdown: systemd stops watching once the unit is stopping. */
    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    static long monotonicMs() {
        return System.nanoTime() / 1_000_000;
    }
}
