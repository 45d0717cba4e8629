package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the CLI takes its TLS files and token from, and what it says when they are wrong. */
class SecurityOptionsTest {
    @TempDir
    Path dir;

    final FakeCluster cluster = new FakeCluster().on(Request.CancelJob.class, r -> new Response.Ack());

    ClusterSession.Settings run(Map<String, String> env, String... args) {
        CliRunner.Result r = CliRunner.run(env, cluster, args);
        assertThat(r.exitCode()).as(r.err()).isZero();
        return cluster.connections.get(cluster.connections.size() - 1);
    }

    @Test
    void tlsOptionsComeFromTheFlagsBeforeTheEnvironment() {
        Map<String, String> env = Map.of(
                Main.COORDINATORS_ENV, "a:1",
                Main.TLS_CA_ENV, "/env/ca.crt",
                Main.TLS_CERT_ENV, "/env/me.crt",
                Main.TLS_KEY_ENV, "/env/me.key",
                Main.TLS_SERVER_NAME_ENV, "env.example");

        ClusterSession.Tls fromEnv = run(env, "cancel", "j").tls();
        assertThat(fromEnv)
                .isEqualTo(new ClusterSession.Tls(
                        Path.of("/env/ca.crt"), Path.of("/env/me.crt"), Path.of("/env/me.key"), "env.example"));
        ClusterSession.Tls fromFlags = run(
                        env, "cancel", "j", "--tls-ca", "/f/ca.crt", "--tls-server-name", "f.example")
                .tls();
        assertThat(fromFlags.ca()).isEqualTo(Path.of("/f/ca.crt"));
        assertThat(fromFlags.serverName()).isEqualTo("f.example");
        assertThat(run(Map.of(Main.COORDINATORS_ENV, "a:1"), "cancel", "j").tls())
                .isEqualTo(ClusterSession.Tls.NONE);
    }

    @Test
    void theTokenComesFromTheFlagsThenTheEnvironmentAndIsNeverPrinted() throws Exception {
        Path file = Files.writeString(dir.resolve("ci.token"), "corral_from-file\n");
        Path envFile = Files.writeString(dir.resolve("env.token"), "corral_from-env-file\n");
        Map<String, String> env = Map.of(
                Main.COORDINATORS_ENV, "a:1",
                Main.TOKEN_ENV, "corral_from-env",
                Main.TOKEN_FILE_ENV, envFile.toString());

        assertThat(run(env, "cancel", "j").token()).isEqualTo("corral_from-env");
        assertThat(run(env, "cancel", "j", "--token-file", file.toString()).token())
                .isEqualTo("corral_from-file");
        assertThat(run(env, "cancel", "j", "--auth-token", "corral_flag").token())
                .isEqualTo("corral_flag");
        assertThat(run(Map.of(Main.COORDINATORS_ENV, "a:1", Main.TOKEN_FILE_ENV, envFile.toString()), "cancel", "j")
                        .token())
                .isEqualTo("corral_from-env-file");
        ClusterSession.Settings s = run(env, "cancel", "j");
        assertThat(s.toString()).doesNotContain("corral_from-env").contains("token=(redacted)");
    }

    @Test
    void aBadTokenSourceIsAUsageErrorThatDoesNotQuoteTheToken() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.token"), "\n");
        Path twoLines = Files.writeString(dir.resolve("two.token"), "corral_one\ncorral_two\n");
        Map<String, String> env = Map.of(Main.COORDINATORS_ENV, "a:1");

        for (String[] args : new String[][] {
            {"cancel", "j", "--token-file", dir.resolve("missing.token").toString()},
            {"cancel", "j", "--token-file", empty.toString()},
            {"cancel", "j", "--token-file", twoLines.toString()},
            {"cancel", "j", "--auth-token", "a", "--token-file", empty.toString()}
        }) {
            CliRunner.Result r = CliRunner.run(env, cluster, args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).doesNotContain("corral_one").doesNotContain("Exception");
        }
    }

    @Test
    void aClientCertificateWithoutTheCaBundleIsAUsageError() {
        assertThatThrownBy(() ->
                        ClientSession.tls(new ClusterSession.Tls(null, Path.of("/me.crt"), Path.of("/me.key"), null)))
                .isInstanceOfSatisfying(
                        CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE))
                .hasMessageContaining("need --tls-ca");
        assertThatThrownBy(() -> ClientSession.tls(
                        new ClusterSession.Tls(dir.resolve("ca.crt"), Path.of("/me.crt"), null, null)))
                .isInstanceOf(CliException.class)
                .hasMessage("a client certificate needs its key: give both --tls-cert and --tls-key, or neither");
    }
}
