package io.corral.coordinator.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @TempDir
    Path dir;

    /** The commented-out tls and auth sections are valid configuration once uncommented. */
    @Test
    void theCommentedOutTlsAndAuthSectionsAreValid() throws Exception {
        String uncommented = Files.readAllLines(EXAMPLE).stream()
                .map(l -> l.matches("# ( *[A-Za-z]+:( .*)?)") ? l.substring(2) : l)
                .collect(Collectors.joining("\n"));
        CoordinatorConfig c = ConfigLoader.load(Files.writeString(dir.resolve("c.yaml"), uncommented), Map.of());

        assertThat(c.tls().enabled()).isTrue();
        assertThat(c.tls().clientAuth()).isEqualTo("require");
        assertThat(c.auth().tokensFile()).isEqualTo(Path.of("/etc/corral/tokens.yaml"));
        assertThat(c.auth().peerTokenFile()).isEqualTo(Path.of("/etc/corral/peer.token"));
    }
}
