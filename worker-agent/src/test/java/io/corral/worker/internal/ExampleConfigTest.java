package io.corral.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.worker.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example that scripts/install.sh copies to /etc/corral/worker.yaml loads as shipped. */
class ExampleConfigTest {
    static final Path EXAMPLE = Path.of("..", "packaging", "config", "worker.yaml");

    @TempDir
    Path dir;

    @Test
    void theShippedExampleLoads() {
        WorkerConfig c = ConfigLoader.load(Path.of("..", "packaging", "config", "worker.yaml"), Map.of());
        assertThat(c.coordinators()).containsExactly("10.0.0.1:7201", "10.0.0.2:7201", "10.0.0.3:7201");
        assertThat(c.stateDir()).isEqualTo("/var/lib/corral/worker");
        assertThat(c.drainGraceMs()).isEqualTo(60_000);
    }

    /** The commented-out TLS and token settings are valid configuration once uncommented. */
    @Test
    void theCommentedOutTlsAndTokenSettingsAreValid() throws Exception {
        String uncommented = Files.readAllLines(EXAMPLE).stream()
                .map(l -> l.matches("# ( *[A-Za-z]+:( .*)?)") ? l.substring(2) : l)
                .collect(Collectors.joining("\n"));
        WorkerConfig c = ConfigLoader.load(Files.writeString(dir.resolve("worker.yaml"), uncommented), Map.of());

        assertThat(c.tls().trustedCa()).isEqualTo("/etc/corral/tls/ca.crt");
        assertThat(c.tls().certChain()).isEqualTo("/etc/corral/tls/w-01.crt");
        assertThat(c.tokenFile()).isEqualTo("/etc/corral/worker.token");
    }
}
