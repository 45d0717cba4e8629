package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.corral.auth.Role;
import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.client.HostPort;
import io.corral.client.ImageUpload;
import io.corral.config.YamlConfig;
import io.corral.coordinator.Coordinator;
import io.corral.coordinator.auth.Tokens;
import io.corral.coordinator.auth.TokensFile;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.tls.ClientTls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Three real coordinators with TLS everywhere and tokens: Raft over mutual TLS (gRPC), the RPC port with required
 * client certificates and tokens, HTTPS with bearer tokens; peers reach each other with their own certificates and the
 * peer token (cluster status, snapshot installation). Certificates from scripts/gen-certs.sh. No secret reaches a log.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecureClusterTest {
    @TempDir
    static Path dir;

    static Path pki;
    static LocalCluster cluster;
    static final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    static final String ADMIN = Tokens.generate();
    static final String READER = Tokens.generate();
    static final String SUBMITTER = Tokens.generate();
    static final String PEER = Tokens.generate();
    static final String UNKNOWN = Tokens.generate();
    static final String WORKER_A = Tokens.generate();
    static final String WORKER_B = Tokens.generate();
    static final String ALICE = Tokens.generate();
    static final String ALICE_NEXT = Tokens.generate();
    static final String BOB = Tokens.generate();

    @BeforeAll
    static void start() throws Exception {
        logs.start();
        root().addAppender(logs);
        pki = TestPki.generate(
                dir.resolve("pki"), "n1=127.0.0.1", "n2=127.0.0.1,localhost", "n3=127.0.0.1", "client:ops");
        Path tokens = Files.writeString(
                dir.resolve("tokens.yaml"),
                String.join(
                        "\n",
                        "tokens:",
                        TokensFile.line("ops", Role.ADMIN, Tokens.sha256Hex(ADMIN)),
                        TokensFile.line("grafana", Role.READ_ONLY, Tokens.sha256Hex(READER)),
                        TokensFile.line("ci", Role.SUBMITTER, Tokens.sha256Hex(SUBMITTER)),
                        TokensFile.line("wa", Role.WORKER, Tokens.sha256Hex(WORKER_A)),
                        TokensFile.line("wb", Role.WORKER, Tokens.sha256Hex(WORKER_B)),
                        TokensFile.line("alice", Role.SUBMITTER, Tokens.sha256Hex(ALICE)),
                        // Alice's next token (a rotation): a name of its own, the same tenant.
                        "  - {name: alice-2027, role: submitter, tenant: alice, sha256: " + Tokens.sha256Hex(ALICE_NEXT)
                                + "}",
                        TokensFile.line("bob", Role.SUBMITTER, Tokens.sha256Hex(BOB)),
                        ""));
        Path peer = dir.resolve("peer.token");
        Files.createFile(peer, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(peer, PEER + "\n");
        Map<String, String> settings = LocalCluster.testSettings();
        // Small segments: the snapshot test makes the log roll and purge after a few hundred entries.
        settings.put("raft.segmentSizeBytes", "32768");
        TestPki.tlsSettings(pki, "require").forEach((k, v) -> settings.put(k, YamlConfig.quoted(v)));
        TestPki.authSettings(tokens, peer).forEach((k, v) -> settings.put(k, YamlConfig.quoted(v)));
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

    static ClientTls opsTls() {
        return ClientTls.create(pki.resolve("ca.crt"), pki.resolve("ops.crt"), pki.resolve("ops.key"), null);
    }

    /** TLS with a member's own certificate (extended key usage serverAuth): what coordinators show each other. */
    static ClientTls coordinatorTls(String member) {
        return ClientTls.create(
                pki.resolve("ca.crt"), pki.resolve(member + ".crt"), pki.resolve(member + ".key"), null);
    }

    /**
     * Issue 11: the peer token was a master key that worked from anywhere: its holder could change membership,
     * transfer leadership and read a full checkpoint. With TLS it is accepted only with a coordinator's certificate,
     * and even then it changes no membership except on an admin's behalf, forwarded by the member that checked the
     * admin's token.
     */
    @Test
    void thePeerTokenAloneIsNoKey() {
        String one = cluster.peer(cluster.ids().get(0)).rpc();
        // With a client certificate of the same CA, but not a coordinator's: refused at the handshake.
        assertThatThrownBy(() -> client(one, opsTls(), PEER))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
                .hasMessageContaining("the peer token is accepted only from a coordinator, with its certificate; this"
                        + " connection showed ")
                .hasMessageContaining("CN=ops")
                .hasMessageContaining("is no coordinator certificate (it lacks extended key usage serverAuth)");
        // With a coordinator's certificate: a coordinator, which forwards membership changes only for an admin.
        try (CorralClient asPeer = client(one, coordinatorTls("n2"), PEER)) {
            assertThatThrownBy(() -> asPeer.call(
                            new Request.AddPeer("n9", "127.0.0.1:1", "127.0.0.1:2", null), Response.Membership.class))
                    .isInstanceOfSatisfying(
                            CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED))
                    .hasMessageContaining("a coordinator forwards one only on an admin's behalf");
            assertThat(asPeer.call(new Request.GetMembership(), Response.Membership.class)
                            .peers())
                    .hasSize(3);
        }
    }

    static CorralClient client(String addresses, ClientTls tls, String token) {
        return CorralClient.connect(ClientOptions.builder(HostPort.parseList(addresses))
                .tls(tls)
                .token(token)
                .connectRounds(1)
                .backoffBaseMs(1)
                .build());
    }

    @Test
    void raftAndThePeersRunOverTlsAndEveryMemberAnswersForItself() {
        try (CorralClient ops = client(cluster.rpcAddresses(), opsTls(), ADMIN)) {
            // Gathered by the member we reached, from the others over their RPC ports: TLS and the peer token.
            Response.ClusterStatus status =
                    ops.callWithRetry(new Request.GetClusterStatus(), Response.ClusterStatus.class, 8);
            assertThat(status.members()).hasSize(3).allSatisfy(m -> assertThat(m.reachable())
                    .as(m.id() + ": " + m.error())
                    .isTrue());
            assertThat(status.leaderId()).isNotNull();
            // A write is committed through Raft, whose every message travels over mutual TLS.
            long token = ops.call(new Request.AcquireLock("tls", "ops", 60_000, 0), Response.LockGranted.class)
                    .token();
            cluster.awaitApplied(token);
            assertThat(ops.call(new Request.ListWorkers(), Response.WorkerList.class)
                            .unreachable())
                    .isEmpty();
            ops.call(new Request.ReleaseLock("tls", token), Response.LockReleased.class);
        }
    }

    @Test
    void withoutAKnownTokenOrWithTheWrongRoleNothingIsDone() {
        String one = cluster.peer(cluster.ids().get(0)).rpc();
        assertThatThrownBy(() -> client(one, opsTls(), null))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
                .hasMessageContaining("requires a token and none was sent");
        assertThatThrownBy(() -> client(one, opsTls(), UNKNOWN))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
                .hasMessageContaining("the token is not known")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(UNKNOWN));
        // The peer token is the coordinators' own: with a coordinator's certificate, a client holding it may only do
        // what peers do (peerTokenHolders... shows that without one it is refused outright).
        try (CorralClient reader = client(one, opsTls(), READER);
                CorralClient asPeer = client(one, coordinatorTls("n2"), PEER)) {
            long before = reader.call(new Request.ListLocks(false), Response.LockList.class)
                    .locks()
                    .size();
            assertThatThrownBy(() -> reader.call(
                            new Request.AcquireLock("nope", "reader", 60_000, 0), Response.LockGranted.class))
                    .isInstanceOfSatisfying(
                            CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED))
                    .hasMessage("'grafana' (role read-only) may not send AcquireLock (allowed roles: admin,"
                            + " submitter)");
            assertThatThrownBy(() -> asPeer.call(new Request.ListJobs(null, 10, false), Response.JobList.class))
                    .isInstanceOfSatisfying(
                            CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED));
            assertThat(reader.call(new Request.ListLocks(false), Response.LockList.class)
                            .locks())
                    .hasSize((int) before)
                    .noneSatisfy(l -> assertThat(l.name()).isEqualTo("nope"));
            assertThat(reader.call(new Request.GetNodeStatus(), Response.NodeStatus.class)
                            .member()
                            .id())
                    .isEqualTo(cluster.ids().get(0));
        }
    }

    @Test
    void aClientWithoutTlsOrWithoutACertificateIsRefused() {
        String one = cluster.peer(cluster.ids().get(1)).rpc();
        assertThatThrownBy(() -> client(one, null, ADMIN))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
                .hasMessageContaining("accepts TLS connections only");
        ClientTls noCertificate = ClientTls.create(pki.resolve("ca.crt"), null, null, null);
        assertThatThrownBy(() -> client(one, noCertificate, ADMIN))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
                .hasMessageContaining("requires a client certificate and this client has none");
    }

    @Test
    void theHttpPortServesHttpsHealthOpenlyAndTheRestToTokens() throws Exception {
        HttpClient https = HttpClient.newBuilder()
                .sslContext(sslContext())
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        Coordinator c = cluster.leader();
        String base = "https://127.0.0.1:" + c.httpAddress().getPort();

        await().until(() -> get(https, base + "/health", null).statusCode() == 200);
        HttpResponse<String> anonymous = get(https, base + "/metrics", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"corral\"");
        assertThat(get(https, base + "/metrics", UNKNOWN).statusCode()).isEqualTo(401);
        assertThat(get(https, base + "/v1/cluster", PEER).statusCode()).isEqualTo(403);
        HttpResponse<String> metrics = get(https, base + "/metrics", READER);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("corral_raft_role{role=\"leader\"} 1");
        HttpResponse<String> status = get(https, base + "/v1/cluster", SUBMITTER);
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.body()).contains("\"leaderId\"");

        // Plain HTTP on the HTTPS port is told what to use.
        HttpClient plain =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> wrong =
                get(plain, "http://127.0.0.1:" + c.httpAddress().getPort() + "/health", null);
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(wrong.body()).contains("HTTPS only");
    }

    @Test
    void aWipedMemberComesBackBySnapshotInstallFromTheLeaderOverTls() throws Exception {
        String leader = cluster.awaitLeader();
        String lagging = cluster.ids().stream()
                .filter(id -> !id.equals(leader))
                .findFirst()
                .orElseThrow();
        try (CorralClient ops = client(cluster.rpcAddresses(), opsTls(), ADMIN)) {
            ImageRef image = ImageUpload.upload(ops, TestImages.png(dir, "secure.png", 3, 40, 40), 50L << 20);
            cluster.stopMember(lagging);
            cluster.wipeMember(lagging);
            for (int i = 0; i < 300; i++) {
                long token = ops.call(new Request.AcquireLock("churn", "t", 60_000, 0), Response.LockGranted.class)
                        .token();
                ops.call(new Request.ReleaseLock("churn", token), Response.LockReleased.class);
            }
            long applied =
                    cluster.leader().stateMachine().getLastAppliedTermIndex().getIndex();
            cluster.awaitApplied(applied);
            for (Coordinator c : cluster.running()) {
                c.raft().takeSnapshot();
            }
            assertThat(cluster.leader().raft().firstLogIndex())
                    .as("the leader purged its log")
                    .isGreaterThan(5);

            Coordinator back = cluster.startMember(lagging);
            long target =
                    cluster.leader().stateMachine().getLastAppliedTermIndex().getIndex();
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> back.stateMachine().getLastAppliedTermIndex().getIndex() >= target);
            assertThat(back.stateMachine()
                            .core()
                            .readBlob(back.stateMachine().store().view(), image.sha256()))
                    .hasSize((int) image.size());
        }
    }

    @Test
    void theRaftPortTakesCoordinatorCertificatesOnly() throws Exception {
        int raftPort = HostPort.parse(cluster.peer(cluster.ids().get(2)).raft()).port();

        // A coordinator's certificate: the gRPC server answers with its HTTP/2 settings.
        assertThat(raftHandshake(raftPort, "n1")).isPositive();
        // A client certificate of the same CA (no serverAuth usage) and no certificate at all: refused.
        assertThatThrownBy(() -> raftHandshake(raftPort, "ops"))
                .isInstanceOf(javax.net.ssl.SSLException.class)
                .hasMessageContaining("certificate_unknown");
        assertThatThrownBy(() -> raftHandshake(raftPort, null))
                .isInstanceOf(javax.net.ssl.SSLException.class)
                .hasMessageContaining("bad_certificate");
    }

    /** Connects to a Raft port with TLS (ALPN h2, as gRPC) and reads what the server sends first. */
    static int raftHandshake(int port, String certificate) throws Exception {
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(
                certificate == null
                        ? null
                        : io.corral.tls.TlsMaterial.keyManagers(
                                        "c", pki.resolve(certificate + ".crt"), "k", pki.resolve(certificate + ".key"))
                                .getKeyManagers(),
                io.corral.tls.TlsMaterial.trustManagers("ca", pki.resolve("ca.crt"))
                        .getTrustManagers(),
                null);
        try (javax.net.ssl.SSLSocket socket =
                (javax.net.ssl.SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            javax.net.ssl.SSLParameters params = socket.getSSLParameters();
            params.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(params);
            socket.startHandshake();
            // TLS 1.3: the server checks the client's certificate after the client finished; a refusal is an alert.
            return socket.getInputStream().read(new byte[64]);
        }
    }

    /**
     * Issue 11: with one worker token, worker B registered a second connection under A's worker id and was pushed the
     * lease of A's next job. A worker's id now comes from its token: 'wb' registers as wb or wb.*, never as wa.
     */
    @Test
    void aWorkerTokenRegistersOnlyUnderItsOwnName() throws Exception {
        try (CorralClient b = client(cluster.rpcAddresses(), opsTls(), WORKER_B)) {
            Response refused =
                    b.send(new Request.RegisterWorker("wa", 1, List.of())).join();
            assertThat(refused)
                    .isEqualTo(
                            new Response.ErrorReply(
                                    ErrorCode.PERMISSION_DENIED,
                                    "the worker token 'wb' may register as worker 'wb' or 'wb.<anything>', not 'wa' (set the worker's id: corral-worker --id, or id: in its config)"));

            assertThat(b.call(new Request.RegisterWorker("wb.1", 1, List.of()), Response.WorkerRegistered.class))
                    .isNotNull();
        }
    }

    /**
     * Issue 11: any submitter could read, list, cancel and retry any job, and release another's lock with the token a
     * read-only token showed. A job and a lock now belong to their tenant: bob gets PERMISSION_DENIED and changes
     * nothing; alice's rotated token (same tenant) and an admin may.
     */
    @Test
    void bobCanNeitherSeeNorTouchAlicesJobOrLock() throws Exception {
        String rpc = cluster.rpcAddresses();
        try (CorralClient alice = client(rpc, opsTls(), ALICE);
                CorralClient aliceNext = client(rpc, opsTls(), ALICE_NEXT);
                CorralClient bob = client(rpc, opsTls(), BOB);
                CorralClient reader = client(rpc, opsTls(), READER);
                CorralClient ops = client(rpc, opsTls(), ADMIN)) {
            Path file = TestImages.png(dir, "alice.png", 5, 30, 30);
            ImageRef image = ImageUpload.upload(alice, file, 50L << 20);
            String job = alice.call(
                            new Request.SubmitJob(List.of(image), List.of("grayscale"), 0, 3, Map.of(), "nightly"),
                            Response.JobSubmitted.class)
                    .jobId();
            long lock = alice.call(
                            new Request.AcquireLock("deploy-prod", "alice-ci", 60_000, 0), Response.LockGranted.class)
                    .token();

            assertDenied(() -> bob.call(new Request.GetJob(job, false), Response.JobDetail.class));
            assertDenied(() -> bob.call(new Request.GetTask(job + ".0", false), Response.TaskDetail.class));
            assertDenied(() -> bob.call(new Request.CancelJob(job), Response.JobDetail.class));
            assertDenied(() -> bob.call(new Request.RetryTasks(job), Response.TasksRetried.class));
            assertThat(bob.call(new Request.ListJobs(null, 100, false), Response.JobList.class)
                            .jobs())
                    .noneSatisfy(j -> assertThat(j.id()).isEqualTo(job));
            // Bob's own key names his own job: it never answers with alice's. (He has the image too: it is the
            // same, and he uploads it, as bobUsesAlicesImageOnlyAfterUploadingItHimself shows he must.)
            ImageUpload.upload(bob, file, 50L << 20);
            String bobs = bob.call(
                            new Request.SubmitJob(List.of(image), List.of("grayscale"), 0, 3, Map.of(), "nightly"),
                            Response.JobSubmitted.class)
                    .jobId();
            assertThat(bobs).isNotEqualTo(job);
            // The lock: its token is shown to its tenant only, and the right token from bob is refused anyway.
            assertThat(bob.call(new Request.GetLock("deploy-prod", false), Response.LockDetail.class)
                            .lock()
                            .token())
                    .isZero();
            assertThat(reader.call(new Request.GetLock("deploy-prod", false), Response.LockDetail.class)
                            .lock()
                            .token())
                    .isZero();
            assertDenied(() -> bob.call(new Request.ReleaseLock("deploy-prod", lock), Response.LockReleased.class));
            assertDenied(() -> bob.call(new Request.RenewLock("deploy-prod", lock), Response.LockGranted.class));

            // Nothing changed: alice's job is still pending, her lock still hers.
            Response.JobDetail own = aliceNext.call(new Request.GetJob(job, false), Response.JobDetail.class);
            assertThat(own.job().owner()).isEqualTo("alice");
            assertThat(own.job().cancelled()).isFalse();
            assertThat(aliceNext
                            .call(new Request.GetLock("deploy-prod", false), Response.LockDetail.class)
                            .lock()
                            .token())
                    .isEqualTo(lock);
            assertThat(reader.call(new Request.GetJob(job, false), Response.JobDetail.class)
                            .job()
                            .owner())
                    .isEqualTo("alice");
            assertThat(aliceNext
                            .call(new Request.ListJobs(null, 100, false), Response.JobList.class)
                            .jobs())
                    .extracting(j -> j.id())
                    .contains(job)
                    .doesNotContain(bobs);

            // Alice (with her next token) and an admin may.
            aliceNext.call(new Request.ReleaseLock("deploy-prod", lock), Response.LockReleased.class);
            aliceNext.call(new Request.CancelJob(job), Response.JobDetail.class);
            ops.call(new Request.CancelJob(bobs), Response.JobDetail.class);
        }
    }

    /**
     * Issue 11: any submitter could download any image or result by its digest. An image is stored once, but bob may
     * use alice's only after uploading all of its bytes himself; until then every answer is as if it were not stored.
     */
    @Test
    void bobUsesAlicesImageOnlyAfterUploadingItHimself() throws Exception {
        String rpc = cluster.rpcAddresses();
        try (CorralClient alice = client(rpc, opsTls(), ALICE);
                CorralClient bob = client(rpc, opsTls(), BOB)) {
            Path file = TestImages.png(dir, "private.png", 9, 40, 40);
            ImageRef image = ImageUpload.upload(alice, file, 50L << 20);

            assertThat(bob.call(new Request.HasBlob(image.sha256()), Response.BlobStatus.class)
                            .present())
                    .isFalse();
            assertThatThrownBy(() -> bob.call(new Request.ReadBlobChunk(image.sha256(), 0), Response.BlobChunk.class))
                    .isInstanceOfSatisfying(
                            CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
            assertThatThrownBy(() -> bob.call(
                            new Request.SubmitJob(List.of(image), List.of("grayscale"), 0, 3, Map.of(), null),
                            Response.JobSubmitted.class))
                    .isInstanceOfSatisfying(
                            CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BLOB_MISSING));
            assertThatThrownBy(() ->
                            bob.call(new Request.SealBlob(image.sha256(), image.size(), 1), Response.BlobSealed.class))
                    .isInstanceOfSatisfying(
                            CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST));

            // Having the bytes, bob uploads them (the cluster keeps one copy) and may use the image from then on.
            assertThat(ImageUpload.upload(bob, file, 50L << 20)).isEqualTo(image);
            assertThat(bob.call(new Request.ReadBlobChunk(image.sha256(), 0), Response.BlobChunk.class)
                            .data())
                    .isEqualTo(Files.readAllBytes(file));
            bob.call(
                    new Request.SubmitJob(List.of(image), List.of("grayscale"), 0, 3, Map.of(), null),
                    Response.JobSubmitted.class);
        }
    }

    static void assertDenied(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("alice"));
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void noSecretReachesTheLogs() {
        // Last: the refusals and handshakes of the other tests have been logged by now.
        List<String> secrets =
                List.of(ADMIN, READER, SUBMITTER, PEER, UNKNOWN, WORKER_A, WORKER_B, ALICE, ALICE_NEXT, BOB);
        List<String> lines = new ArrayList<>();
        synchronized (logs) {
            for (ILoggingEvent e : List.copyOf(logs.list)) {
                lines.add(e.getFormattedMessage());
                if (e.getThrowableProxy() != null) {
                    lines.add(ThrowableProxyUtil.asString(e.getThrowableProxy()));
                }
            }
        }
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("unknown token"));
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("may not send AcquireLock"));
        for (String secret : secrets) {
            assertThat(lines).noneSatisfy(line -> assertThat(line).contains(secret));
        }
    }

    static HttpResponse<String> get(HttpClient client, String uri, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The JDK's HTTPS client trusting the test CA and showing the ops certificate (the port requires one). */
    static SSLContext sslContext() throws Exception {
        KeyManagerFactory keys =
                io.corral.tls.TlsMaterial.keyManagers("ops", pki.resolve("ops.crt"), "ops key", pki.resolve("ops.key"));
        TrustManagerFactory trust = io.corral.tls.TlsMaterial.trustManagers("ca", pki.resolve("ca.crt"));
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return ssl;
    }
}
