package io.corral.coordinator.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The example that scripts/install.sh copies to /etc/corral/coordinator.yaml loads and validates as shipped. */
class ExampleConfigTest {
    static final Path EXAMPLE = Path.of("..", "packaging", "config", "coordinator.yaml");

    @Test
    void theShippedExampleIsAValidThreeMemberConfiguration() {
        CoordinatorConfig c = ConfigLoader.load(EXAMPLE, Map.of());
        assertThat(c.nodeId()).isEqualTo("n1");
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/corral/coordinator"));
        assertThat(c.peers()).hasSize(3);
        assertThat(c.workers().leaseTtlMs()).isEqualTo(30_000);
    }

    @Test
    void eachMemberOfTheExampleLoadsWithItsOwnIdAndAddresses() {
        CoordinatorConfig c = ConfigLoader.load(
                EXAMPLE,
                Map.of(
                        "nodeId", "n2",
                        "raftAddress", "\"10.0.0.2:7101\"",
                        "rpcAddress", "\"10.0.0.2:7201\"",
                        "httpAddress", "\"10.0.0.2:7301\""));
        assertThat(c.nodeId()).isEqualTo("n2");
    }
}
