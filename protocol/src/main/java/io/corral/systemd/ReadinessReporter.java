package io.corral.systemd;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls a daemon's {@link Readiness} and tells systemd: {@code READY=1} (with the status) the first time it is ready,
 * and {@code STATUS=} whenever the status line changes, before and after. Readiness is sent once: a daemon that was
 * ready and loses, say, its leader stays "started" for systemd, and only its status line says so.
 *
 * <p>Without systemd (a disabled notifier) nothing runs. After {@link #close()} returns nothing more is sent, so a
 * daemon can close it and then send {@code STOPPING=1} without a stale status overtaking it.
 */
public final class ReadinessReporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReadinessReporter.class);

    private final SystemdNotifier notifier;
    private final Supplier<Readiness> source;
    private final ScheduledExecutorService timer;
    /** Guards {@link #closed}, {@link #ready}, {@link #lastStatus}: a round and close never interleave. */
    private final Object lock = new Object();

    private boolean closed;
    private boolean ready;
    private String lastStatus;

    ReadinessReporter(SystemdNotifier notifier, Supplier<Readiness> source, boolean run) {
        this.notifier = notifier;
        this.source = source;
        this.timer = run
                ? Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "systemd-readiness");
                    t.setDaemon(true);
                    return t;
                })
                : null;
    }

    /** Polls {@code source} every {@code pollMs} and reports to systemd; does nothing when the notifier is disabled. */
    public static ReadinessReporter start(SystemdNotifier notifier, Supplier<Readiness> source, long pollMs) {
        if (pollMs < 1) {
            throw new IllegalArgumentException("pollMs must be positive, got " + pollMs);
        }
        ReadinessReporter r = new ReadinessReporter(notifier, source, notifier.enabled());
        if (r.timer != null) {
            r.timer.scheduleWithFixedDelay(r::pollSafely, 0, pollMs, TimeUnit.MILLISECONDS);
        }
        return r;
    }

    private void pollSafely() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.debug("readiness round failed: {}", e.toString());
        }
    }

    /** One round: asks the source and sends what changed. Tests call it directly. */
    void poll() {
        Readiness now = source.get();
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (now.ready() && !ready) {
                ready = true;
                lastStatus = now.status();
                notifier.ready(now.status());
                LOG.info("ready (told systemd): {}", now.status());
            } else if (!now.status().equals(lastStatus)) {
                lastStatus = now.status();
                notifier.status(now.status());
            }
        }
    }

    /** Whether READY=1 has been sent. */
    public boolean ready() {
        synchronized (lock) {
            return ready;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
