package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.corral.auth.Role;
import io.corral.config.YamlConfig;
import io.corral.coordinator.auth.Tokens;
import io.corral.coordinator.auth.TokensFile;
import io.corral.coordinator.cluster.LocalCluster;
import io.corral.coordinator.cluster.TestPki;
import io.corral.protocol.codec.Json;
import io.corral.protocol.images.ImageSniffer;
import io.corral.worker.Worker;
import io.corral.worker.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The real {@code corral} command line and a real worker against three coordinators with TLS on Raft, RPC and HTTP,
 * client certificates required, and tokens: a job goes through; every misconfiguration gets its one-line error and
 * exit code 7 (or 2 for a bad option) and changes nothing; no secret appears in any output or log.
 */
@Tag("cluster")
class SecureCliEndToEndTest {
    @TempDir
    static Path dir;

    static LocalCluster cluster;
    static Path pki;
    static Path otherPki;
    static final Map<String, String> secrets = new LinkedHashMap<>();
    static final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    static final List<String> outputs = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        logs.start();
        root().addAppender(logs);
        pki = TestPki.generate(
                dir.resolve("pki"), "n1=127.0.0.1", "n2=127.0.0.1", "n3=127.0.0.1", "client:cli", "client:w1");
        otherPki = TestPki.generate(dir.resolve("other-pki"), "--ca-name", "Not Ours", "client:stranger");
        StringBuilder tokens = new StringBuilder("tokens:\n");
        for (Map.Entry<String, Role> e : Map.of("ci", Role.SUBMITTER, "grafana", Role.READ_ONLY, "w1", Role.WORKER)
                .entrySet()) {
            String secret = Tokens.generate();
            secrets.put(e.getKey(), secret);
            tokens.append(TokensFile.line(e.getKey(), e.getValue(), Tokens.sha256Hex(secret)))
                    .append('\n');
            secretFile(e.getKey(), secret);
        }
        secrets.put("peer", Tokens.generate());
        Path tokensFile = Files.writeString(dir.resolve("tokens.yaml"), tokens);
        Map<String, String> settings = LocalCluster.testSettings();
        TestPki.tlsSettings(pki, "require").forEach((k, v) -> settings.put(k, YamlConfig.quoted(v)));
        TestPki.authSettings(tokensFile, secretFile("peer", secrets.get("peer")))
                .forEach((k, v) -> settings.put(k, YamlConfig.quoted(v)));
        cluster = LocalCluster.start(dir.resolve("cluster"), 3, settings);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        root().detachAppender(logs);
    }

    static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    static Path secretFile(String name, String secret) throws Exception {
        Path file = dir.resolve(name + ".token");
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(file, secret + "\n");
        return file;
    }

    /** The environment of a user set up as docs/operations.md says: TLS files and a token file. */
    static Map<String, String> env(String tokenOf) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Main.COORDINATORS_ENV, cluster.rpcAddresses());
        env.put(Main.TLS_CA_ENV, pki.resolve("ca.crt").toString());
        env.put(Main.TLS_CERT_ENV, pki.resolve("cli.crt").toString());
        env.put(Main.TLS_KEY_ENV, pki.resolve("cli.key").toString());
        if (tokenOf != null) {
            env.put(Main.TOKEN_FILE_ENV, dir.resolve(tokenOf + ".token").toString());
        }
        return env;
    }

    static CliRunner.Result corral(Map<String, String> env, String... args) {
        CliRunner.Result r = CliRunner.run(env, ClientSession::open, args);
        synchronized (outputs) {
            outputs.add(r.out());
            outputs.add(r.err());
        }
        return r;
    }

    /** Exit code 7, one line on stderr naming the cause, no stack trace. */
    static void refused(CliRunner.Result r, String cause) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCodes.NOT_AUTHORIZED);
        assertThat(r.err().strip()).contains(cause).doesNotContain("\n").doesNotContain("Exception");
    }

    @Test
    void aSubmitterAndARealWorkerProcessAJobOverTlsWithTokens() throws Exception {
        // The worker token is named w1: its workers are w1 or w1.*.
        WorkerConfig config = WorkerConfig.defaults().withId("w1.secure");
        config = new WorkerConfig(
                        List.of(cluster.rpcAddresses().split(",")),
                        "w1.secure",
                        2,
                        List.of(),
                        dir.resolve("worker").toString(),
                        config.drainGraceMs(),
                        config.taskTimeoutMs(),
                        config.progressIntervalMs(),
                        config.requestTimeoutMs(),
                        config.pipeline(),
                        true)
                .withSecurity(
                        new WorkerConfig.Tls(
                                pki.resolve("ca.crt").toString(),
                                pki.resolve("w1.crt").toString(),
                                pki.resolve("w1.key").toString(),
                                null),
                        dir.resolve("w1.token").toString())
                .validate();
        try (Worker worker = Worker.connect(config)) {
            worker.start();
            Path in = Files.createDirectories(dir.resolve("to-process"));
            TestImages.png(in.resolve("a.png"));
            Path out = dir.resolve("processed");

            CliRunner.Result submit = corral(
                    env("ci"),
                    "submit",
                    "--op",
                    "thumbnail:32",
                    "--op",
                    "format:png",
                    "--out",
                    out.toString(),
                    "--wait-timeout",
                    "60s",
                    in.toString(),
                    "-o",
                    "json");
            assertThat(submit.exitCode()).as(submit.err()).isZero();
            JsonNode job = Json.mapper().readTree(submit.out());
            assertThat(job.get("state").asText()).isEqualTo("SUCCEEDED");
            assertThat(ImageSniffer.detect(out.resolve("a.png"))).contains("png");

            // A read-only token reads it, and the workers, but may not cancel, retry or submit.
            String id = job.get("id").asText();
            CliRunner.Result status = corral(env("grafana"), "status", id, "-o", "json");
            assertThat(status.exitCode()).as(status.err()).isZero();
            assertThat(Json.mapper()
                            .readTree(status.out())
                            .get("tasks")
                            .get(0)
                            .get("worker")
                            .asText())
                    .isEqualTo("w1.secure");
            assertThat(corral(env("grafana"), "workers").out()).contains("w1.secure");
            refused(corral(env("grafana"), "retry", id), "'grafana' (role read-only) may not send RetryTasks");
            refused(corral(env("grafana"), "submit", in.toString()), "may not send");
            CliRunner.Result list = corral(env("grafana"), "list", "-o", "json");
            assertThat(Json.mapper().readTree(list.out()).get("jobs")).hasSize(1);
            // The cluster says it is secured (issue 11), to anyone who may read its status.
            CliRunner.Result cluster = corral(env("grafana"), "cluster", "status");
            assertThat(cluster.out()).as(cluster.err()).contains("SECURED  yes (TLS");
        }
    }

    @Test
    void withoutAToken() {
        refused(corral(env(null), "list"), "requires a token and none was sent");
        Map<String, String> wrong = env(null);
        wrong.put(Main.TOKEN_ENV, Tokens.generate());
        refused(corral(wrong, "list"), "the token is not known to this coordinator");
    }

    @Test
    void withoutTlsOrWithTheWrongCertificates() {
        Map<String, String> plain = env("ci");
        plain.remove(Main.TLS_CA_ENV);
        plain.remove(Main.TLS_CERT_ENV);
        plain.remove(Main.TLS_KEY_ENV);
        refused(corral(plain, "list"), "this coordinator accepts TLS connections only");

        Map<String, String> noCertificate = env("ci");
        noCertificate.remove(Main.TLS_CERT_ENV);
        noCertificate.remove(Main.TLS_KEY_ENV);
        refused(
                corral(noCertificate, "list"),
                "the coordinator requires a client certificate and this client has none");

        refused(
                corral(env("ci"), "list", "--tls-ca", otherPki.resolve("ca.crt").toString()),
                "the coordinator's certificate is not signed by a trusted CA");
        refused(
                corral(
                        env("ci"),
                        "list",
                        "--tls-cert",
                        otherPki.resolve("stranger.crt").toString(),
                        "--tls-key",
                        otherPki.resolve("stranger.key").toString()),
                "the coordinator refused this client's certificate");
        refused(
                corral(env("ci"), "list", "--tls-server-name", "somewhere.else"),
                "the coordinator's certificate is not valid for the address connected to");
    }

    @Test
    void anUnusableTlsFileOrTokenOptionIsAUsageError() {
        CliRunner.Result missing =
                corral(env("ci"), "list", "--tls-ca", dir.resolve("nope.crt").toString());
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).contains("--tls-ca " + dir.resolve("nope.crt") + ": no such file");

        CliRunner.Result both = corral(env(null), "list", "--auth-token", "x", "--token-file", "/x");
        assertThat(both.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(both.err()).contains("give --auth-token or --token-file, not both");
    }

    @Test
    void noSecretInAnyOutputOrLog() throws Exception {
        withoutAToken();
        List<String> lines = new ArrayList<>();
        synchronized (outputs) {
            lines.addAll(outputs);
        }
        for (ILoggingEvent e : List.copyOf(logs.list)) {
            lines.add(e.getFormattedMessage());
            if (e.getThrowableProxy() != null) {
                lines.add(ThrowableProxyUtil.asString(e.getThrowableProxy()));
            }
        }
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("unknown token"));
        for (String secret : secrets.values()) {
            assertThat(lines).noneSatisfy(l -> assertThat(l).contains(secret));
        }
    }
}
