package io.corral.systemd;

import java.util.Objects;

/**
 * What a daemon tells systemd about itself at one moment: whether it is ready to serve, and the status line
 * {@code systemctl status} shows (why it is not ready yet, or what it is doing).
 */
public record Readiness(boolean ready, String status) {
    public Readiness {
        Objects.requireNonNull(status, "status");
    }

    public static Readiness ready(String status) {
        return new Readiness(true, status);
    }

    public static Readiness notReady(String status) {
        return new Readiness(false, status);
    }
}
