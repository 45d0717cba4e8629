package io.corral.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.systemd.Health;
import io.corral.systemd.Readiness;
import org.junit.jupiter.api.Test;

/** The worker's readiness and watchdog-health rules. */
class WorkerLifecycleRulesTest {
    @Test
    void readyOnlyOnceRegisteredAndThenThroughReconnections() {
        assertThat(WorkerReadiness.evaluate("w1", false, false, false, "(not connected)", 0, 4))
                .isEqualTo(Readiness.notReady("registering as w1 ((not connected))"));
        assertThat(WorkerReadiness.evaluate("w1", true, true, false, "/10.0.0.1:7201", 1, 4))
                .isEqualTo(Readiness.ready("registered as w1 at /10.0.0.1:7201: 3 of 4 slots free"));
        assertThat(WorkerReadiness.evaluate("w1", true, false, false, "(not connected)", 2, 4))
                .isEqualTo(Readiness.ready("reconnecting to the cluster ((not connected)); 2 task(s) in flight"));
        assertThat(WorkerReadiness.evaluate("w1", true, true, true, "/10.0.0.1:7201", 2, 4))
                .isEqualTo(Readiness.ready("draining: 2 task(s) in flight"));
    }

    @Test
    void healthyWhileTheSessionLoopPassesWithinItsBoundConnectedOrNot() {
        long bound = WorkerHealth.stallBoundMs(30_000, 10_000, 10_000);
        assertThat(bound).isEqualTo(10_000 + 3 * 30_000 + WorkerHealth.STALL_SLACK_MS);

        assertThat(WorkerHealth.evaluate(true, true, false, bound, bound)).isEqualTo(Health.OK);
        assertThat(WorkerHealth.evaluate(true, true, false, bound + 1, bound).problem())
                .isEqualTo("the worker's session loop has made no progress for " + (bound + 1)
                        + " ms (a healthy one passes within " + bound + " ms)");
        assertThat(WorkerHealth.evaluate(true, false, false, 0, bound).problem())
                .isEqualTo("the worker's session thread has died");
    }

    @Test
    void nothingIsWatchedBeforeTheStartOrWhileStopping() {
        assertThat(WorkerHealth.evaluate(false, false, false, Long.MAX_VALUE, 1))
                .isEqualTo(Health.OK);
        assertThat(WorkerHealth.evaluate(true, false, true, Long.MAX_VALUE, 1)).isEqualTo(Health.OK);
    }

    @Test
    void aLongHeartbeatIntervalWidensTheBound() {
        assertThat(WorkerHealth.stallBoundMs(1_000, 600_000, 10_000)).isEqualTo(600_000 + 3_000 + 5_000);
    }
}
