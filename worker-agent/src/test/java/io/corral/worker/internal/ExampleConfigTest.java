package io.corral.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.worker.WorkerConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The example that scripts/install.sh copies to /etc/corral/worker.yaml loads as shipped. */
class ExampleConfigTest {
    @Test
    void theShippedExampleLoads() {
        WorkerConfig c = ConfigLoader.load(Path.of("..", "packaging", "config", "worker.yaml"), Map.of());
        assertThat(c.coordinators()).containsExactly("10.0.0.1:7201", "10.0.0.2:7201", "10.0.0.3:7201");
        assertThat(c.stateDir()).isEqualTo("/var/lib/corral/worker");
        assertThat(c.drainGraceMs()).isEqualTo(60_000);
    }
}
