package io.corral.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.protocol.Request;
import io.corral.systemd.Health;
import io.corral.worker.pipeline.ImagePipeline;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a worker tells systemd: ready once registered, healthy while its session loop runs, connected or not. */
class WorkerSystemdTest {
    private final FakeCluster cluster = new FakeCluster();
    private Worker worker;

    @AfterEach
    void stop() {
        if (worker != null) {
            worker.close();
        }
    }

    private Worker worker(long drainGraceMs) {
        WorkerConfig config = new WorkerConfig(
                List.of("localhost:7201"),
                "w1",
                2,
                List.of(),
                "unused",
                drainGraceMs,
                60_000,
                0,
                5_000,
                WorkerConfig.Pipeline.defaults(),
                false);
        worker = new Worker(config, "w1", cluster, ImagePipeline.withDefaults(), System::currentTimeMillis);
        return worker;
    }

    @Test
    void notReadyButHealthyWhileTheClusterRefusesThenReadyOnceRegistered() {
        cluster.refuseRegistration = true;
        worker(60_000).start();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> cluster.sent(Request.RegisterWorker.class).size() >= 2);

        assertThat(worker.readiness().ready()).isFalse();
        assertThat(worker.readiness().status()).isEqualTo("registering as w1 (fake)");
        assertThat(worker.health()).isEqualTo(Health.OK);

        cluster.refuseRegistration = false;
        await().atMost(Duration.ofSeconds(20)).until(() -> worker.readiness().ready());
        assertThat(worker.readiness().status()).isEqualTo("registered as w1 at fake: 2 of 2 slots free");
    }

    @Test
    void staysReadyAndHealthyWhileReconnecting() {
        worker(60_000).start();
        await().atMost(Duration.ofSeconds(20)).until(() -> worker.readiness().ready());

        cluster.refuseRegistration = true;
        cluster.forgetRegistration = true; // the next heartbeat is told "not registered"
        await().atMost(Duration.ofSeconds(20))
                .until(() -> worker.readiness().status().startsWith("reconnecting"));

        assertThat(worker.readiness().ready()).isTrue();
        assertThat(worker.readiness().status()).isEqualTo("reconnecting to the cluster (fake); 0 task(s) in flight");
        assertThat(worker.health()).isEqualTo(Health.OK);
    }

    @Test
    void aStoppedWorkerIsNotReportedUnhealthy() {
        worker(60_000);
        assertThat(worker.health()).isEqualTo(Health.OK); // not started: nothing to watch
        worker.start();
        worker.close();

        assertThat(worker.health()).isEqualTo(Health.OK);
        assertThat(worker.readiness().status()).startsWith("draining");
    }

    @Test
    void theStopTimeoutCoversTheDrainGrace() {
        assertThat(worker(90_000).drainBoundMs(90_000)).isGreaterThan(90_000 + 5_000);
    }
}
