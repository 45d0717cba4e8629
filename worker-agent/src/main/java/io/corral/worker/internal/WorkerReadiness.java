package io.corral.worker.internal;

import io.corral.systemd.Readiness;

/**
 * When a worker tells systemd it is ready ({@code READY=1}), and its status line. Ready means: registered with the
 * cluster at least once, so it can be offered tasks. It stays started for systemd through later reconnections (a
 * worker retrying during a cluster outage is doing its job); the status line says what it is doing.
 */
public final class WorkerReadiness {
    private WorkerReadiness() {}

    /**
     * @param id the worker's id
     * @param everRegistered whether a registration has succeeded since start
     * @param registered whether the current connection is registered
     * @param draining whether the worker is draining (SIGTERM)
     * @param connectedTo the coordinator the connection is at, as the port describes it
     * @param busySlots slots running a task now
     * @param slots slots configured
     */
    public static Readiness evaluate(
            String id,
            boolean everRegistered,
            boolean registered,
            boolean draining,
            String connectedTo,
            int busySlots,
            int slots) {
        int free = Math.max(0, slots - busySlots);
        String status;
        if (draining) {
            status = "draining: " + busySlots + " task(s) in flight";
        } else if (registered) {
            status = "registered as " + id + " at " + connectedTo + ": " + free + " of " + slots + " slots free";
        } else if (everRegistered) {
            status = "reconnecting to the cluster (" + connectedTo + "); " + busySlots + " task(s) in flight";
        } else {
            status = "registering as " + id + " (" + connectedTo + ")";
        }
        return new Readiness(everRegistered, status);
    }
}
