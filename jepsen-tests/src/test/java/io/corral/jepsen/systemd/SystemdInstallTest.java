package io.corral.jepsen.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.HostPort;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.Network;

/**
 * The release as an operator runs it: three hosts booted by systemd, each installed with {@code scripts/install.sh}
 * from {@code dist/corral-VERSION.tar.gz} (three coordinators, workers on two of them), managed with {@code
 * systemctl}. Checks that the units verify clean, that readiness means something (a coordinator is active only once
 * it sees a leader, a worker once registered), that a job is processed, that a rolling restart guarded by {@code
 * corral cluster wait-healthy --quorum-plus-one} loses no write, that a killed coordinator is restarted by systemd,
 * that a frozen worker is restarted by the watchdog, that stopping the leader hands leadership over, that stopping a
 * worker drains it, that re-running the installer upgrades in place keeping data and configuration, and that a
 * backup restored into wiped members brings back the same jobs and result bytes, and that a fourth host joins and a
 * first one is removed while jobs run.
 */
@Tag("docker")
class SystemdInstallTest {
    private static final Logger log = LoggerFactory.getLogger(SystemdInstallTest.class);
    static final Path ROOT =
            Path.of(System.getProperty("corral.root", "..")).toAbsolutePath().normalize();
    static final int RAFT_PORT = 7101;
    static final int RPC_PORT = 7201;
    static final int HTTP_PORT = 7301;
    static final String COORDINATOR = "corral-coordinator.service";
    static final String WORKER = "corral-worker.service";
    static final Duration UNIT_START = Duration.ofMinutes(2);
    static final ObjectMapper JSON = new ObjectMapper();

    private final List<SystemdHost> hosts = new ArrayList<>();
    private Tokens tokens;
    private String coordinators;

    @Test
    void threeCoordinatorsAndTwoWorkersInstalledByTheScriptAndRunBySystemd() throws Exception {
        Path archive = releaseArchive();
        try (Network network = Network.newNetwork()) {
            try {
                run(network, archive);
            } catch (Throwable t) {
                for (SystemdHost h : hosts) {
                    log.error("{} journal:\n{}", h.name(), tail(h.journal("corral-*"), 200));
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
        Map<String, String> binds = Map.of(
                archive.getParent().toString(), "/dist",
                ROOT.resolve("scripts").toString(), "/scripts",
                ROOT.resolve("examples/images").toString(), "/images");
        for (String name : List.of("c1", "c2", "c3")) {
            hosts.add(SystemdHost.start(name, network, binds));
        }
        SystemdHost c1 = hosts.get(0);
        SystemdHost c2 = hosts.get(1);
        SystemdHost c3 = hosts.get(2);
        coordinators = hosts.stream().map(h -> h.ip() + ":" + RPC_PORT).collect(Collectors.joining(","));
        String peers = hosts.stream()
                .map(h -> "  - {id: " + h.name() + ", raft: \"" + h.ip() + ":" + RAFT_PORT + "\", rpc: \"" + h.ip()
                        + ":" + RPC_PORT + "\", http: \"" + h.ip() + ":" + HTTP_PORT + "\"}\n")
                .collect(Collectors.joining());
        String dist = "/dist/" + archive.getFileName();

        // Bad input is refused with a message, and changes nothing.
        assertRefused(c3, "no such archive", "bash", "/scripts/install.sh", "/dist/missing.tar.gz");
        assertRefused(c3, "--role must be", "bash", "/scripts/install.sh", dist, "--role", "bogus");
        c3.sh("mkdir -p /tmp/bad/stuff && echo x > /tmp/bad/stuff/x && tar -C /tmp/bad -czf /tmp/bad.tar.gz stuff");
        assertRefused(c3, "does not hold one corral-VERSION/", "bash", "/scripts/install.sh", "/tmp/bad.tar.gz");
        c3.sh("echo 'not gzip' > /tmp/text.tar.gz");
        assertRefused(c3, "is not a readable .tar.gz", "bash", "/scripts/install.sh", "/tmp/text.tar.gz");
        assertThat(c3.exec("test", "-e", "/opt/corral").getExitCode())
                .as("/opt/corral after refusals")
                .isNotZero();
        assertThat(c3.exec("getent", "passwd", "corral").getExitCode())
                .as("no user after refusals")
                .isNotZero();

        // Install: the workers' hosts get both roles, c3 only a coordinator.
        for (SystemdHost h : hosts) {
            h.copy(coordinatorConfig(h, peers), "/root/coordinator.yaml");
            h.copy(workerConfig(h), "/root/worker.yaml");
            String role = h == c3 ? "coordinator" : "all";
            String out = h.execOk(
                    "bash",
                    "/scripts/install.sh",
                    dist,
                    "--role",
                    role,
                    "--coordinator-config",
                    "/root/coordinator.yaml",
                    "--worker-config",
                    "/root/worker.yaml");
            log.info("{} install.sh:\n{}", h.name(), out);
            assertThat(h.unitProperty(COORDINATOR, "UnitFileState")).isEqualTo("enabled");
            assertThat(h.execOk("stat", "-c", "%U:%G %a", "/var/lib/corral").trim())
                    .isEqualTo("corral:corral 750");
            assertThat(h.execOk("stat", "-c", "%U:%G %a", "/etc/corral/coordinator.yaml")
                            .trim())
                    .isEqualTo("root:corral 640");
        }
        assertThat(c3.exec("systemctl", "cat", WORKER).getExitCode())
                .as("no worker unit on c3")
                .isNotZero();

        // Authentication: tokens made with the installed tool, the same files on every host.
        tokens = Tokens.make(c1);
        for (SystemdHost h : hosts) {
            tokens.install(h);
        }

        // systemd-analyze verify: nothing to say about our units.
        Container.ExecResult verify = c1.exec(
                "systemd-analyze", "verify", "/etc/systemd/system/" + COORDINATOR, "/etc/systemd/system/" + WORKER);
        assertThat(verify.getExitCode())
                .as("systemd-analyze verify: %s", verify.getStderr())
                .isZero();
        assertThat(verify.getStderr() + verify.getStdout()).doesNotContain("corral");

        // Readiness: one coordinator alone has no leader, so it stays "activating".
        c1.execOk("systemctl", "start", "--no-block", COORDINATOR);
        await("c1 runs").atMost(UNIT_START).until(() -> !c1.unitProperty(COORDINATOR, "MainPID")
                .equals("0"));
        assertThat(c1.unitProperty(COORDINATOR, "ActiveState")).isEqualTo("activating");
        c2.execOk("systemctl", "start", "--no-block", COORDINATOR);
        c3.execOk("systemctl", "start", "--no-block", COORDINATOR);
        for (SystemdHost h : hosts) {
            awaitActive(h, COORDINATOR);
            assertThat(h.execOk("sh", "-c", "ps -o user= -p $(systemctl show -p MainPID --value " + COORDINATOR + ")")
                            .trim())
                    .as("the coordinator runs as corral")
                    .isEqualTo("corral");
            assertThat(h.unitProperty(COORDINATOR, "StatusText"))
                    .as("STATUS= from the daemon")
                    .isNotEmpty();
        }
        for (SystemdHost h : List.of(c1, c2)) {
            // Blocks until READY=1: connected and registered.
            h.execOk("systemctl", "start", WORKER);
            assertThat(h.unitProperty(WORKER, "ActiveState")).isEqualTo("active");
        }

        // A job through the installed CLI.
        String firstJob = corral(
                        c3,
                        "submit",
                        "--op",
                        "thumbnail:64",
                        "--op",
                        "format:png",
                        "--wait",
                        "--out",
                        "/tmp/out",
                        "/images")
                .lines()
                .findFirst()
                .orElseThrow()
                .trim();
        assertThat(state(c3, firstJob)).isEqualTo("SUCCEEDED");
        assertThat(c3.execOk("sh", "-c", "ls /tmp/out | wc -l").trim()).isEqualTo("4");

        // Without a valid token, no access; with a read-only token, no submission. Exit code 7, one line, no secret.
        Container.ExecResult none = c3.exec("corral", "--coordinators", coordinators, "status", firstJob);
        assertThat(none.getExitCode()).as("no token: %s", none.getStderr()).isEqualTo(7);
        assertThat(none.getStderr()).contains("requires a token and none was sent");
        Container.ExecResult wrong = c3.exec(
                "env",
                "CORRAL_TOKEN=corral_not-a-real-token",
                "corral",
                "--coordinators",
                coordinators,
                "status",
                firstJob);
        assertThat(wrong.getExitCode())
                .as("unknown token: %s", wrong.getStderr())
                .isEqualTo(7);
        assertThat(wrong.getStderr())
                .contains("the token is not known to this coordinator")
                .doesNotContain("corral_not-a-real-token");
        Container.ExecResult viewer = c3.exec(
                "corral",
                "--coordinators",
                coordinators,
                "--token-file",
                Tokens.READ_ONLY_FILE,
                "submit",
                "--op",
                "thumbnail:64",
                "/images");
        assertThat(viewer.getExitCode())
                .as("read-only submit: %s", viewer.getStderr())
                .isEqualTo(7);
        assertThat(viewer.getStderr()).contains("(role read-only) may not send");
        assertThat(c3.execOk(
                        "corral",
                        "--coordinators",
                        coordinators,
                        "--token-file",
                        Tokens.READ_ONLY_FILE,
                        "status",
                        firstJob))
                .as("a read-only token reads")
                .contains(firstJob);
        assertThat(c3.journal(COORDINATOR)).doesNotContain(tokens.adminSecret()).doesNotContain(tokens.peerSecret());

        // A rolling restart while jobs run and a client keeps writing: wait-healthy before each step.
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            jobs.add(corral(
                            c1,
                            "submit",
                            "--op",
                            "resize:1600x1600,force",
                            "--op",
                            "blur:3",
                            "--op",
                            "thumbnail:64",
                            "/images")
                    .lines()
                    .findFirst()
                    .orElseThrow()
                    .trim());
        }
        try (Probe probe = Probe.start(hosts, tokens.adminSecret())) {
            for (SystemdHost h : hosts) {
                String pidBefore = h.unitProperty(COORDINATOR, "MainPID");
                corral(h, "cluster", "wait-healthy", "--quorum-plus-one", "--wait-timeout", "2m");
                h.execOk("systemctl", "restart", COORDINATOR);
                assertThat(h.unitProperty(COORDINATOR, "ActiveState")).isEqualTo("active");
                assertThat(h.unitProperty(COORDINATOR, "MainPID")).isNotEqualTo(pidBefore);
                log.info("{} restarted; probe so far: {}", h.name(), probe.summary());
            }
            corral(c2, "cluster", "wait-healthy", "--quorum-plus-one", "--wait-timeout", "2m");
            probe.awaitMoreWrites(5);
            log.info("rolling restart done; probe: {}", probe.summary());
            assertThat(probe.failures())
                    .as("writes refused during the rolling restart")
                    .isEmpty();
        }
        for (String job : jobs) {
            await(job + " finished")
                    .atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> !List.of("PENDING", "LEASED").contains(state(c1, job)));
            assertThat(state(c1, job)).as(job).isEqualTo("SUCCEEDED");
        }

        // A crash: systemd restarts the coordinator (Restart=on-failure).
        String crashedPid = c2.unitProperty(COORDINATOR, "MainPID");
        c2.execOk("kill", "-KILL", crashedPid);
        await("c2 restarted by systemd")
                .atMost(UNIT_START)
                .until(() -> c2.unitProperty(COORDINATOR, "NRestarts").equals("1")
                        && c2.unitProperty(COORDINATOR, "ActiveState").equals("active"));
        assertThat(c2.unitProperty(COORDINATOR, "MainPID")).isNotEqualTo(crashedPid);

        // The watchdog: a frozen worker stops pinging and systemd restarts it.
        c1.sh("mkdir -p /etc/systemd/system/" + WORKER + ".d && printf '[Service]\\nWatchdogSec=5s\\n' > "
                + "/etc/systemd/system/" + WORKER + ".d/watchdog.conf && systemctl daemon-reload");
        c1.execOk("systemctl", "restart", WORKER);
        String frozenPid = c1.unitProperty(WORKER, "MainPID");
        c1.execOk("kill", "-STOP", frozenPid);
        await("c1's frozen worker restarted by the watchdog")
                .atMost(UNIT_START)
                .until(() -> c1.unitProperty(WORKER, "NRestarts").equals("1")
                        && c1.unitProperty(WORKER, "ActiveState").equals("active"));
        assertThat(c1.journal(WORKER)).contains("Watchdog timeout");
        assertThat(c1.unitProperty(COORDINATOR, "NRestarts"))
                .as("a coordinator pinging its watchdog is never restarted by it")
                .isEqualTo("0");

        // Stopping the leader hands leadership to another member.
        String leader = leaderId(c3);
        SystemdHost leaderHost = host(leader);
        leaderHost.execOk("systemctl", "stop", COORDINATOR);
        assertThat(leaderHost.unitProperty(COORDINATOR, "Result")).isEqualTo("success");
        assertThat(leaderHost.journal(COORDINATOR)).containsIgnoringCase("leadership");
        SystemdHost other =
                hosts.stream().filter(h -> h != leaderHost).findFirst().orElseThrow();
        await("a new leader").atMost(Duration.ofSeconds(30)).until(() -> {
            String l = leaderIdOrNull(other);
            return l != null && !l.equals(leader);
        });
        leaderHost.execOk("systemctl", "start", COORDINATOR);

        // Stopping a worker drains it and ends cleanly.
        c2.execOk("systemctl", "stop", WORKER);
        assertThat(c2.unitProperty(WORKER, "Result")).isEqualTo("success");
        assertThat(c2.journal(WORKER)).containsIgnoringCase("drain");

        // Upgrade in place: the same release again keeps configuration and data; the cluster keeps the job.
        String configBefore = c3.execOk("sha256sum", "/etc/corral/coordinator.yaml");
        String out = c3.execOk("bash", "/scripts/install.sh", dist, "--role", "coordinator");
        log.info("c3 re-install:\n{}", out);
        assertThat(c3.execOk("sha256sum", "/etc/corral/coordinator.yaml")).isEqualTo(configBefore);
        corral(c3, "cluster", "wait-healthy", "--quorum-plus-one", "--wait-timeout", "2m");
        c3.execOk("systemctl", "restart", COORDINATOR);
        assertThat(state(c3, firstJob)).isEqualTo("SUCCEEDED");
        assertThat(c3.execOk("sh", "-c", "ls /opt/corral/releases").trim()).isNotEmpty();

        // Disaster recovery drill: a backup, every member's data wiped, each restored from the backup, the cluster
        // started again: the same jobs and the same result bytes.
        String backup = corral(c3, "cluster", "backup", "--out", "/var/tmp/backup.tar");
        log.info("backup: {}", backup.trim());
        Path local = Files.createTempFile("corral-backup", ".tar");
        try {
            c3.copyOut("/var/tmp/backup.tar", local);
            for (SystemdHost h : hosts) {
                if (h != c3) {
                    h.copyIn(local, "/var/tmp/backup.tar");
                }
            }
        } finally {
            Files.deleteIfExists(local);
        }
        for (SystemdHost h : hosts) {
            h.sh("systemctl stop corral-worker 2>/dev/null; systemctl stop corral-coordinator");
        }
        for (SystemdHost h : hosts) {
            h.sh("rm -rf /var/lib/corral/coordinator && chmod 0644 /var/tmp/backup.tar");
            String restored = h.execOk(
                    // As the service's user (sudo -u corral on a real host; no PAM configuration in here).
                    "setpriv",
                    "--reuid=corral",
                    "--regid=corral",
                    "--clear-groups",
                    "/opt/corral/current/bin/corral-coordinator",
                    "restore",
                    "/var/tmp/backup.tar",
                    "--dir",
                    "/var/lib/corral/coordinator");
            log.info("{} restore: {}", h.name(), restored.trim());
            h.execOk("systemctl", "start", "--no-block", COORDINATOR);
        }
        for (SystemdHost h : hosts) {
            awaitActive(h, COORDINATOR);
        }
        for (SystemdHost h : List.of(c1, c2)) {
            h.execOk("systemctl", "start", WORKER);
        }
        assertThat(state(c3, firstJob)).isEqualTo("SUCCEEDED");
        for (String job : jobs) {
            assertThat(state(c3, job)).as("%s after the restore", job).isEqualTo("SUCCEEDED");
        }
        corral(c3, "results", firstJob, "--out", "/tmp/restored-out");
        assertThat(c3.sh("cd /tmp/restored-out && sha256sum * | sort"))
                .as("result bytes after the restore")
                .isEqualTo(c3.sh("cd /tmp/out && sha256sum * | sort"));

        // Membership while jobs flow: a fourth host joins (listener, caught up, promoted), then c1 is removed.
        SystemdHost c4 = SystemdHost.start("c4", network, binds);
        hosts.add(c4);
        c4.copy(coordinatorConfig(c4, null), "/root/coordinator.yaml");
        c4.execOk(
                "bash",
                "/scripts/install.sh",
                dist,
                "--role",
                "coordinator",
                "--coordinator-config",
                "/root/coordinator.yaml");
        tokens.install(c4);
        c4.execOk("systemctl", "start", "--no-block", COORDINATOR);
        await("c4 runs").atMost(UNIT_START).until(() -> !c4.unitProperty(COORDINATOR, "MainPID")
                .equals("0"));
        List<String> flowing = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            flowing.add(submit(c2, "--op", "resize:1600x1600,force", "--op", "blur:3", "--op", "thumbnail:64"));
        }
        String added = corral(
                c2,
                "cluster",
                "add-peer",
                "c4",
                "--raft",
                c4.ip() + ":" + RAFT_PORT,
                "--rpc",
                c4.ip() + ":" + RPC_PORT,
                "--http",
                c4.ip() + ":" + HTTP_PORT);
        log.info("add-peer c4:\n{}", added);
        awaitActive(c4, COORDINATOR);
        String removed = corral(c2, "cluster", "remove-peer", "c1");
        log.info("remove-peer c1:\n{}", removed);
        c1.execOk("systemctl", "disable", "--now", COORDINATOR);
        JsonNode members =
                JSON.readTree(corral(c2, "-o", "json", "cluster", "status")).get("members");
        List<String> ids = new ArrayList<>();
        members.forEach(m -> ids.add(m.get("id").asText()));
        assertThat(ids).as("members after the change").containsExactlyInAnyOrder("c2", "c3", "c4");
        for (String job : flowing) {
            await(job + " finished")
                    .atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> !List.of("PENDING", "LEASED").contains(state(c2, job)));
            assertThat(state(c2, job))
                    .as("%s, submitted before the membership change", job)
                    .isEqualTo("SUCCEEDED");
        }
        assertThat(state(c4, firstJob))
                .as("the new member serves the old state")
                .isEqualTo("SUCCEEDED");
    }

    private String submit(SystemdHost h, String... ops) {
        List<String> args = new ArrayList<>(List.of("submit"));
        args.addAll(List.of(ops));
        args.add("/images");
        return corral(h, args.toArray(String[]::new))
                .lines()
                .findFirst()
                .orElseThrow()
                .trim();
    }

    // ---- helpers ----

    static Path releaseArchive() throws IOException {
        Path dist = ROOT.resolve("dist");
        try (Stream<Path> files = Files.exists(dist) ? Files.list(dist) : Stream.empty()) {
            List<Path> found = files.filter(p -> p.getFileName().toString().matches("corral-.*\\.tar\\.gz"))
                    .toList();
            assertThat(found)
                    .as("one release archive in %s (mvn -B -DskipTests package builds it)", dist)
                    .hasSize(1);
            return found.get(0);
        }
    }

    /** With {@code peers} null: a member that joins a running cluster ({@code join: true}). */
    private static String coordinatorConfig(SystemdHost h, String peers) {
        return "nodeId: " + h.name() + "\n"
                + "dataDir: /var/lib/corral/coordinator\n"
                + "raftAddress: \"" + h.ip() + ":" + RAFT_PORT + "\"\n"
                + "rpcAddress: \"" + h.ip() + ":" + RPC_PORT + "\"\n"
                + "httpAddress: \"" + h.ip() + ":" + HTTP_PORT + "\"\n"
                + (peers == null ? "join: true\n" : "peers:\n" + peers)
                + "workers:\n  leaseTtlMs: 10000\n"
                + "auth:\n  tokensFile: /etc/corral/tokens.yaml\n  peerTokenFile: /etc/corral/peer.token\n"
                // Tokens without TLS on a reachable Raft port: refused unless insecure (TLS for installs: issue 11).
                + "security:\n  insecure: true\n";
    }

    /** The workers share the token named "workers": each registers as workers.HOST, as that token allows. */
    private String workerConfig(SystemdHost h) {
        return "coordinators: [" + coordinators + "]\n"
                + "id: workers." + h.name() + "\n"
                + "stateDir: /var/lib/corral/worker\n"
                + "slots: 2\n"
                + "drainGraceMs: 20000\n"
                + "tokenFile: /etc/corral/worker.token\n";
    }

    private String corral(SystemdHost h, String... args) {
        List<String> argv =
                new ArrayList<>(List.of("corral", "--coordinators", coordinators, "--token-file", Tokens.ADMIN_FILE));
        argv.addAll(List.of(args));
        return h.execOk(argv.toArray(String[]::new));
    }

    private String state(SystemdHost h, String job) throws IOException {
        JsonNode j = JSON.readTree(corral(h, "-o", "json", "status", job));
        return j.get("state").asText();
    }

    private String leaderId(SystemdHost h) throws IOException {
        String l = leaderIdOrNull(h);
        assertThat(l).as("a leader").isNotNull();
        return l;
    }

    private String leaderIdOrNull(SystemdHost h) throws IOException {
        Container.ExecResult r = h.exec(
                "corral",
                "--coordinators",
                coordinators,
                "--token-file",
                Tokens.ADMIN_FILE,
                "-o",
                "json",
                "cluster",
                "status");
        if (r.getExitCode() != 0) {
            return null;
        }
        JsonNode leader = JSON.readTree(r.getStdout()).get("leaderId");
        return leader == null || leader.isNull() ? null : leader.asText();
    }

    private SystemdHost host(String id) {
        return hosts.stream().filter(h -> h.name().equals(id)).findFirst().orElseThrow();
    }

    private static void assertRefused(SystemdHost h, String message, String... argv) {
        Container.ExecResult r = h.exec(argv);
        assertThat(r.getExitCode()).as("%s exit code", String.join(" ", argv)).isNotZero();
        assertThat(r.getStderr()).as("%s message", String.join(" ", argv)).contains(message);
    }

    private static void awaitActive(SystemdHost h, String unit) {
        await(h.name() + " " + unit + " active")
                .atMost(UNIT_START)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    String s = h.unitProperty(unit, "ActiveState");
                    if (s.equals("failed")) {
                        throw new AssertionError(h.name() + " " + unit + " failed:\n" + tail(h.journal(unit), 60));
                    }
                    return s.equals("active");
                });
    }

    static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /**
     * A client that keeps writing through whichever coordinator answers, 4 writes a second: each write acquires a
     * lock of its own (a fresh name per attempt, so a resend never meets its own earlier attempt; the locks lapse
     * after {@value #LOCK_TTL_MS} ms). A write that fails is tried again, up to {@value #ATTEMPTS} times (about half a
     * minute with the client's backoff): a write that never commits is a lost quorum, kept in {@link #failures()}. The
     * longest time between two committed writes is reported, not asserted.
     */
    static final class Probe implements AutoCloseable {
        static final long LOCK_TTL_MS = 5_000;
        static final int ATTEMPTS = 30;
        private final CorralClient client;
        private final Thread thread;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong writes = new AtomicLong();
        private final AtomicLong retried = new AtomicLong();
        private final AtomicLong longestGapMs = new AtomicLong();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

        private Probe(CorralClient client) {
            this.client = client;
            this.thread = new Thread(this::loop, "probe");
        }

        static Probe start(List<SystemdHost> hosts, String token) {
            List<HostPort> addresses =
                    hosts.stream().map(h -> new HostPort(h.ip(), RPC_PORT)).toList();
            Probe p = new Probe(CorralClient.connectLazily(ClientOptions.builder(addresses)
                    .requestTimeoutMs(15_000)
                    .clientName("systemd-probe")
                    .token(token)
                    .build()));
            p.thread.start();
            return p;
        }

        private void loop() {
            long lastWriteNanos = System.nanoTime();
            for (long i = 0; !stop.get(); i++) {
                boolean written = false;
                RuntimeException last = null;
                for (int attempt = 0; attempt < ATTEMPTS && !written && !stop.get(); attempt++) {
                    try {
                        client.call(
                                new Request.AcquireLock("probe-" + i + "-" + attempt, "probe", LOCK_TTL_MS, 0),
                                Response.LockGranted.class);
                        written = true;
                    } catch (RuntimeException e) {
                        last = e;
                        retried.incrementAndGet();
                        if (!pause(1000)) {
                            return;
                        }
                    }
                }
                if (written) {
                    long now = System.nanoTime();
                    longestGapMs.accumulateAndGet((now - lastWriteNanos) / 1_000_000, Math::max);
                    lastWriteNanos = now;
                    writes.incrementAndGet();
                } else if (!stop.get()) {
                    failures.add("write " + i + " never committed: " + last);
                }
                if (!pause(250)) {
                    return;
                }
            }
        }

        private static boolean pause(long ms) {
            try {
                Thread.sleep(ms);
                return true;
            } catch (InterruptedException e) {
                return false;
            }
        }

        void awaitMoreWrites(long n) {
            long target = writes.get() + n;
            await("probe writes").atMost(Duration.ofMinutes(1)).until(() -> writes.get() >= target);
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        String summary() {
            return writes.get() + " writes, " + retried.get() + " attempts retried, " + failures.size()
                    + " never committed, longest gap between writes " + longestGapMs.get() + " ms";
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.interrupt();
            thread.join(30_000);
            client.close();
        }
    }

    /**
     * The tokens of the test cluster, made by the installed {@code corral-coordinator token generate}: admin (the CLI
     * and the probe), worker, read-only and the coordinators' peer token; {@link #install} puts the tokens file and the
     * secrets on a host as an operator would.
     */
    record Tokens(String adminSecret, String workerSecret, String readOnlySecret, String peerSecret, String file) {
        static final String ADMIN_FILE = "/root/admin.token";
        static final String READ_ONLY_FILE = "/root/read-only.token";

        static Tokens make(SystemdHost h) {
            String[] admin = generate(h, "admin", "ops");
            String[] worker = generate(h, "worker", "workers");
            String[] readOnly = generate(h, "read-only", "viewer");
            String[] peer = generate(h, "peer", null);
            String file = "tokens:\n" + admin[1] + "\n" + worker[1] + "\n" + readOnly[1] + "\n";
            return new Tokens(admin[0], worker[0], readOnly[0], peer[0], file);
        }

        /** {secret, tokens-file line}; the secret is the line after "secret (shown once ...". */
        private static String[] generate(SystemdHost h, String role, String name) {
            List<String> argv = new ArrayList<>(
                    List.of("/opt/corral/current/bin/corral-coordinator", "token", "generate", "--role", role));
            if (name != null) {
                argv.addAll(List.of("--name", name));
            }
            List<String> lines = h.execOk(argv.toArray(String[]::new)).lines().toList();
            String secret = lines.get(1).trim();
            String line = lines.stream()
                    .filter(l -> l.contains("sha256:"))
                    .findFirst()
                    .orElse(null);
            assertThat(secret).as("a %s secret", role).startsWith("corral_");
            return new String[] {secret, line};
        }

        void install(SystemdHost h) {
            h.copy(file, "/etc/corral/tokens.yaml");
            h.copy(peerSecret + "\n", "/etc/corral/peer.token");
            h.copy(workerSecret + "\n", "/etc/corral/worker.token");
            h.copy(adminSecret + "\n", ADMIN_FILE);
            h.copy(readOnlySecret + "\n", READ_ONLY_FILE);
            h.sh("chown root:corral /etc/corral/tokens.yaml && chmod 0640 /etc/corral/tokens.yaml"
                    + " && chown corral:corral /etc/corral/peer.token /etc/corral/worker.token"
                    + " && chmod 0600 /etc/corral/peer.token /etc/corral/worker.token " + ADMIN_FILE + " "
                    + READ_ONLY_FILE);
        }
    }
}
