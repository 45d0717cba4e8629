package io.corral.jepsen.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.Network;

/**
 * Issue 11, secure by default: an install on hosts is secured without hand-made files. The operator runs the release's
 * {@code secure-cluster.sh} once (a CA, certificates, tokens, one archive per host), each host installs its archive
 * with {@code install.sh --bundle}, and the cluster runs under systemd with TLS on every port and tokens: {@code corral
 * cluster status} says SECURED yes, a job goes through with the admin's environment, the workers register as
 * workers.HOST with the workers' token, and a client without the token is refused.
 */
@Tag("docker")
class SecuredInstallTest {
    private static final Logger log = LoggerFactory.getLogger(SecuredInstallTest.class);
    static final String ENV = ". /root/prod/admin/corral.env && ";

    private final List<SystemdHost> hosts = new ArrayList<>();

    @TempDir
    Path dir;

    @Test
    void aClusterInstalledFromSecureClusterBundlesRunsSecured() throws Exception {
        Path archive = SystemdInstallTest.releaseArchive();
        try (Network network = Network.newNetwork()) {
            try {
                run(network, archive);
            } catch (Throwable t) {
                for (SystemdHost h : hosts) {
                    log.error("{} journal:\n{}", h.name(), SystemdInstallTest.tail(h.journal("corral-*"), 200));
                }
                throw t;
            } finally {
                for (SystemdHost h : hosts) {
                    h.close();
                }
            }
        }
    }

    private void run(Network network, Path archive) throws Exception {
        Path root = SystemdInstallTest.ROOT;
        Map<String, String> binds = Map.of(
                archive.getParent().toString(),
                "/dist",
                root.resolve("scripts").toString(),
                "/scripts",
                root.resolve("examples/images").toString(),
                "/images",
                // openssl's configuration, as every Debian host has it (the hosts' /etc is their own).
                "/etc/ssl",
                "/etc/ssl");
        for (String name : List.of("s1", "s2", "s3")) {
            hosts.add(SystemdHost.start(name, network, binds));
        }
        SystemdHost operator = hosts.get(0);
        String dist = "/dist/" + archive.getFileName();

        // The operator's machine (s1 here): the release's secure-cluster.sh makes every host's archive.
        operator.sh("mkdir -p /tmp/release && tar -xzf " + dist + " -C /tmp/release");
        String specs = hosts.stream().map(h -> h.name() + "=" + h.ip()).collect(Collectors.joining(" "));
        log.info(
                "secure-cluster.sh:\n{}",
                operator.sh("cd /tmp/release/corral-* && ./secure-cluster.sh --out /root/prod " + specs));
        assertThat(operator.sh("stat -c '%a' /root/prod/pki/ca.key /root/prod/admin/admin.token"))
                .isEqualTo("600\n600\n");

        for (SystemdHost h : hosts) {
            Path bundle = dir.resolve("coordinator-" + h.name() + ".tar");
            operator.copyOut("/root/prod/coordinator-" + h.name() + ".tar", bundle);
            h.copyIn(bundle, "/root/coordinator.tar");
            log.info(
                    "{} install.sh:\n{}",
                    h.name(),
                    h.execOk(
                            "bash",
                            "/scripts/install.sh",
                            dist,
                            "--role",
                            "coordinator",
                            "--bundle",
                            "/root/coordinator.tar"));
            assertThat(h.sh("stat -c '%U:%G %a' /etc/corral/coordinator.yaml /etc/corral/tokens.yaml"
                            + " /etc/corral/peer.token /etc/corral/tls/" + h.name() + ".key /etc/corral/tls/ca.crt"))
                    .isEqualTo(
                            "root:corral 640\nroot:corral 640\ncorral:corral 600\ncorral:corral 600\nroot:root 644\n");
        }
        Path workers = dir.resolve("worker.tar");
        operator.copyOut("/root/prod/worker.tar", workers);
        for (SystemdHost h : hosts.subList(0, 2)) {
            h.copyIn(workers, "/root/worker.tar");
            h.execOk("bash", "/scripts/install.sh", dist, "--role", "worker", "--bundle", "/root/worker.tar");
            assertThat(h.sh("grep '^id:' /etc/corral/worker.yaml").trim()).matches("id: workers\\.[A-Za-z0-9._-]+");
        }
        // A bundle for the other role is refused, and changes nothing.
        Container.ExecResult wrong = hosts.get(2)
                .exec("bash", "/scripts/install.sh", dist, "--role", "worker", "--bundle", "/root/coordinator.tar");
        assertThat(wrong.getExitCode()).isNotZero();
        assertThat(wrong.getStderr()).contains("is a coordinator's bundle; give --role coordinator");

        for (SystemdHost h : hosts) {
            h.execOk("systemctl", "start", "--no-block", SystemdInstallTest.COORDINATOR);
        }
        for (SystemdHost h : hosts) {
            awaitActive(h, SystemdInstallTest.COORDINATOR);
        }
        for (SystemdHost h : hosts.subList(0, 2)) {
            h.execOk("systemctl", "start", SystemdInstallTest.WORKER);
        }

        // The operator's CLI, with the environment secure-cluster.sh wrote: the cluster says it is secured.
        String status = operator.sh(ENV + "corral cluster status");
        log.info("cluster status:\n{}", status);
        assertThat(status).contains("SECURED  yes (TLS, tokens)");
        String job = operator.sh(ENV + "corral submit --op thumbnail:64 --op format:png --wait --out /tmp/out /images")
                .lines()
                .findFirst()
                .orElseThrow()
                .trim();
        assertThat(SystemdInstallTest.JSON
                        .readTree(operator.sh(ENV + "corral -o json status " + job))
                        .get("state")
                        .asText())
                .isEqualTo("SUCCEEDED");
        assertThat(operator.sh(ENV + "corral workers")).contains("workers.");

        // Without the admin's token: refused, with the reason, and no secret.
        Container.ExecResult none = operator.exec("sh", "-c", ENV + "unset CORRAL_TOKEN_FILE && corral status " + job);
        assertThat(none.getExitCode()).as(none.getStderr()).isEqualTo(7);
        assertThat(none.getStderr()).contains("requires a token and none was sent");
        // Plain TCP to a coordinator's RPC port: refused, it speaks TLS only.
        String first = hosts.get(1).ip() + ":" + SystemdInstallTest.RPC_PORT;
        Container.ExecResult plain = operator.exec(
                "sh",
                "-c",
                "corral --coordinators " + first + " --token-file /root/prod/admin/admin.token cluster status");
        assertThat(plain.getExitCode()).isNotZero();
        assertThat(plain.getStderr()).contains("TLS");
    }

    private static void awaitActive(SystemdHost h, String unit) {
        await(h.name() + " " + unit + " active")
                .atMost(SystemdInstallTest.UNIT_START)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    String s = h.unitProperty(unit, "ActiveState");
                    if (s.equals("failed")) {
                        throw new AssertionError(
                                h.name() + " " + unit + " failed:\n" + SystemdInstallTest.tail(h.journal(unit), 60));
                    }
                    return s.equals("active");
                });
    }
}
