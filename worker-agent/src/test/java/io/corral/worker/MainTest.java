package io.corral.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.worker.internal.ConfigLoader;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
    @Test
    void flagsBecomeOverrides() {
        Main main = new Main();
        new CommandLine(main)
                .parseArgs(
                        "--coordinators",
                        "a:7201,b:7202",
                        "--id",
                        "w-7",
                        "--slots",
                        "3",
                        "--capabilities",
                        "gpu,big",
                        "--drain-grace",
                        "90s",
                        "--task-timeout",
                        "2m",
                        "--max-pixels",
                        "1000",
                        "--metrics-address",
                        "127.0.0.1:7401",
                        "--set",
                        "progressIntervalMs=10");
        WorkerConfig c = ConfigLoader.load(null, main.overrides());

        assertThat(c.coordinators()).containsExactly("a:7201", "b:7202");
        assertThat(c.id()).isEqualTo("w-7");
        assertThat(c.slots()).isEqualTo(3);
        assertThat(c.capabilities()).containsExactly("gpu", "big");
        assertThat(c.drainGraceMs()).isEqualTo(90_000);
        assertThat(c.taskTimeoutMs()).isEqualTo(120_000);
        assertThat(c.pipeline().maxPixels()).isEqualTo(1000);
        assertThat(c.progressIntervalMs()).isEqualTo(10);
        assertThat(c.metricsAddress()).isEqualTo("127.0.0.1:7401");
    }

    @Test
    void tlsAndTokenFlagsBecomeOverridesAndTheEnvironmentCanCarryTheToken() {
        Main main = new Main();
        new CommandLine(main)
                .parseArgs(
                        "--coordinators", "a:7201",
                        "--tls-ca", "/etc/corral/tls/ca.crt",
                        "--tls-cert", "/etc/corral/tls/w1.crt",
                        "--tls-key", "/etc/corral/tls/w1.key",
                        "--tls-server-name", "corral.internal");
        WorkerConfig c = ConfigLoader.load(null, main.overrides(java.util.Map.of("CORRAL_TOKEN", "corral_s3cret\n")));

        assertThat(c.tls().trustedCa()).isEqualTo("/etc/corral/tls/ca.crt");
        assertThat(c.tls().certChain()).isEqualTo("/etc/corral/tls/w1.crt");
        assertThat(c.tls().privateKey()).isEqualTo("/etc/corral/tls/w1.key");
        assertThat(c.tls().serverName()).isEqualTo("corral.internal");
        assertThat(c.token()).isEqualTo("corral_s3cret\n".strip());
        assertThat(c.toString()).doesNotContain("s3cret").contains("token=(redacted)");

        Main withFile = new Main();
        new CommandLine(withFile).parseArgs("--coordinators", "a:7201", "--token-file", "/etc/corral/worker.token");
        WorkerConfig f = ConfigLoader.load(null, withFile.overrides(java.util.Map.of("CORRAL_TOKEN", "ignored")));
        assertThat(f.tokenFile()).isEqualTo("/etc/corral/worker.token");
        assertThat(f.token()).isNull();
    }

    @Test
    void aConfigErrorExitsTwo() {
        int code = new CommandLine(new Main()).execute("--coordinators", "a:1", "--set", "nope=1");
        assertThat(code).isEqualTo(2);
    }
}
