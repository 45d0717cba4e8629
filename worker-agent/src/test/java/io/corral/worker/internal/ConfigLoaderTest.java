package io.corral.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.worker.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void flagsOverrideTheFileWhichOverridesDefaults() throws Exception {
        Path file = dir.resolve("worker.yaml");
        Files.writeString(file, "coordinators: [a:7201, b:7201]\nslots: 3\npipeline:\n  maxFrames: 7\n");

        WorkerConfig c = ConfigLoader.load(file, Map.of("slots", "5", "drainGraceMs", "1000"));

        assertThat(c.coordinators()).containsExactly("a:7201", "b:7201");
        assertThat(c.slots()).isEqualTo(5);
        assertThat(c.drainGraceMs()).isEqualTo(1000);
        assertThat(c.pipeline().maxFrames()).isEqualTo(7);
        assertThat(c.taskTimeoutMs()).isEqualTo(300_000);
        assertThat(c.stateDir()).isEqualTo("./.corral/worker");
        assertThat(c.id()).isNull();
    }

    @Test
    void theMetricsPortIsOffByDefaultAndCheckedWhenSet() throws Exception {
        assertThat(ConfigLoader.load(null, Map.of("coordinators", "[a:1]")).metricsAddress())
                .isNull();
        Path file = dir.resolve("worker.yaml");
        Files.writeString(file, "coordinators: [a:7201]\nmetricsAddress: 0.0.0.0:7401\n");
        assertThat(ConfigLoader.load(file, Map.of()).metricsAddress()).isEqualTo("0.0.0.0:7401");
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of("metricsAddress", "7401")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'metricsAddress'");
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of("metricsAddress", "h:70000")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("out of range");
    }

    @Test
    void anUnknownKeyIsAnErrorNamingIt() throws Exception {
        Path file = dir.resolve("worker.yaml");
        Files.writeString(file, "coordinators: [a:1]\npipeline:\n  maxPixel: 5\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'pipeline.maxPixel'")
                .hasMessageContaining("maxPixels");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("coordinators", "[a:1]", "slot", "2")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'slot'");
    }

    @Test
    void invalidValuesNameTheirKey() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'coordinators'");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("coordinators", "[a:1]", "slots", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'slots'");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("coordinators", "[nonsense]")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'coordinators'");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("coordinators", "[a:1]", "slots", "many")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'slots'");
    }

    @Test
    void durationsTakeAUnit() {
        assertThat(Durations.parseMs("--drain-grace", "60s")).isEqualTo(60_000);
        assertThat(Durations.parseMs("--drain-grace", "5m")).isEqualTo(300_000);
        assertThat(Durations.parseMs("--drain-grace", "250ms")).isEqualTo(250);
        assertThat(Durations.parseMs("--drain-grace", "PT1H")).isEqualTo(3_600_000);
        assertThatThrownBy(() -> Durations.parseMs("--drain-grace", "60"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'--drain-grace'");
    }

    @Test
    void tlsNeedsItsCaAndACertificateItsKey() {
        assertThat(ConfigLoader.load(null, Map.of("coordinators", "[a:1]"))
                        .tls()
                        .enabled())
                .isFalse();
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("coordinators", "[a:1]", "tls.certChain", "/w.crt")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config error at 'tls.trustedCa'");
        assertThatThrownBy(() -> ConfigLoader.load(
                        null, Map.of("coordinators", "[a:1]", "tls.trustedCa", "/ca.crt", "tls.certChain", "/w.crt")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config error at 'tls.privateKey'");
        assertThatThrownBy(
                        () -> ConfigLoader.load(null, Map.of("coordinators", "[a:1]", "token", "x", "tokenFile", "/t")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config error at 'token'");
    }

    @Test
    void aTokenFileIsReadAtStartUpAndItsProblemsNameTheKeyNotTheToken() throws Exception {
        Path token = Files.writeString(dir.resolve("worker.token"), "corral_abc\n");
        WorkerConfig c = ConfigLoader.load(null, Map.of("coordinators", "[a:1]", "tokenFile", "\"" + token + "\""));
        assertThat(WorkerSecurity.token(c)).isEqualTo("corral_abc");

        Files.writeString(token, "corral_abc\ncorral_def\n");
        assertThatThrownBy(() -> WorkerSecurity.token(c))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config error at 'tokenFile': " + token + ": must hold the token alone, on one line");
        WorkerConfig missing = ConfigLoader.load(
                null, Map.of("coordinators", "[a:1]", "tls.trustedCa", "\"" + dir.resolve("ca.crt") + "\""));
        assertThatThrownBy(() -> WorkerSecurity.tls(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage("config error at 'tls.trustedCa': " + dir.resolve("ca.crt") + ": no such file");
    }
}
