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
import io.corral.coordinator.config.PeerConfig;
import io.corral.coordinator.membership.Configuration;
import io.corral.coordinator.membership.Member;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.tls.ClientTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Membership changes on a cluster with TLS everywhere (client certificates required) and tokens: a fourth member with
 * its own certificate from the same CA is added through a follower, which forwards the change to the leader with its
 * certificate and the peer token; the leader asks the new member for its status and the new member installs a
 * checkpoint from the leader, both over TLS with the peer token; then the leader is removed through n4, a follower.
 * Roles other than admin are refused the changes; no secret reaches the logs.
 */
@Tag("cluster")
class SecureMembershipClusterTest {
    static final String ADMIN = Tokens.generate();
    static final String SUBMITTER = Tokens.generate();
    static final String READER = Tokens.generate();
    static final String PEER = Tokens.generate();

    @TempDir
    Path dir;

    /** The test CA and every certificate, made by scripts/gen-certs.sh; static for {@link #client}. */
    static Path pki;

    @Test
    void addThroughAFollowerThenRemoveTheLeaderThroughTheNewMember() throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root().addAppender(logs);
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("cluster"), 3, settings());
                CorralClient submitter = client(cluster.rpcAddresses(), "ci", SUBMITTER)) {
            ImageRef image = ImageUpload.upload(submitter, TestImages.png(dir, "early.png", 1, 30, 30), 50L << 20);
            String earlyJob = FailoverClusterTest.submit(submitter, image, "early");
            purgeTheLeadersLog(cluster, submitter);
            newMembersWhoseCertificatesDoNotNameTheirAddressesAreRefused(cluster);

            addN4ThroughAFollower(cluster, image);
            String removed = removeTheLeaderThroughAFollower(cluster);

            String after = FailoverClusterTest.submit(submitter, image, "after-removal");
            othersThanAdminAreRefusedAndNothingChanges(cluster, removed);
            theConfigurationIsAsExpected(cluster, removed);
            try (CorralClient atN4 = client(cluster.peer("n4").rpc(), "ops", ADMIN)) {
                for (String job : List.of(earlyJob, after)) {
                    assertThat(atN4.call(new Request.GetJob(job, true), Response.JobDetail.class)
                                    .job()
                                    .id())
                            .isEqualTo(job);
                }
            }
        } finally {
            root().detachAppender(logs);
        }
        checkLogs(logs);
    }

    /** Enough writes and a snapshot everywhere that the leader's log starts after them: a new member must install. */
    static void purgeTheLeadersLog(LocalCluster cluster, CorralClient client) throws Exception {
        for (int i = 0; i < 300; i++) {
            long token = client.call(new Request.AcquireLock("churn", "t", 60_000, 0), Response.LockGranted.class)
                    .token();
            client.call(new Request.ReleaseLock("churn", token), Response.LockReleased.class);
        }
        cluster.awaitApplied(
                cluster.leader().stateMachine().getLastAppliedTermIndex().getIndex());
        for (Coordinator c : cluster.running()) {
            c.raft().takeSnapshot();
        }
        assertThat(cluster.leader().raft().firstLogIndex())
                .as("the leader purged its log")
                .isGreaterThan(5);
    }

    /**
     * A new member's certificate must name the hosts of the addresses the leader is given: n5's names localhost only,
     * so the leader's status request to its RPC port fails the host name check; n6's names 127.0.0.1 but its Raft
     * port is on 127.0.0.2, so the leader cannot catch it up. Both are refused and nothing changes.
     */
    static void newMembersWhoseCertificatesDoNotNameTheirAddressesAreRefused(LocalCluster cluster) throws Exception {
        TestPki.generate(pki, "n5=localhost", "n6=127.0.0.1");
        // The members only: a client connected to a joiner would be told there is no leader (a joiner knows none).
        String members = cluster.rpcAddresses();
        PeerConfig n5 = cluster.newJoiner("n5");
        PeerConfig n6 = cluster.newJoiner("n6", "127.0.0.2");
        cluster.startMember("n5");
        cluster.startMember("n6");
        try (CorralClient admin = client(members, "ops", ADMIN)) {
            Response.Membership before = admin.call(new Request.GetMembership(), Response.Membership.class);
            assertThat(refusalWhenLed(admin, new Request.AddPeer("n5", n5.raft(), n5.rpc(), null)))
                    .isInstanceOfSatisfying(
                            CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                    .hasMessageContaining("'n5' does not answer at " + n5.rpc())
                    .hasMessageContaining("not valid for the address connected to");
            assertThat(refusalWhenLed(admin, new Request.AddPeer("n6", n6.raft(), n6.rpc(), null)))
                    .isInstanceOfSatisfying(
                            CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                    .hasMessageContaining("stopped answering the leader")
                    .hasMessageContaining("its certificate names the host of that address");
            Response.Membership after = admin.call(new Request.GetMembership(), Response.Membership.class);
            assertThat(after.configIndex()).isEqualTo(before.configIndex());
            assertThat(MembershipClusterTest.roles(after)).isEqualTo(MembershipClusterTest.roles(before));
        }
        for (String id : List.of("n5", "n6")) {
            cluster.stopMember(id);
            cluster.retire(id);
        }
    }

    /**
     * Issues n4's certificate from the same CA, starts n4 with join: true and adds and promotes it through a follower
     * while a submitter writes; n4 then holds what the leader holds.
     */
    static void addN4ThroughAFollower(LocalCluster cluster, ImageRef image) throws Exception {
        byte[] ca = Files.readAllBytes(pki.resolve("ca.crt"));
        TestPki.generate(pki, "n4=127.0.0.1");
        assertThat(Files.readAllBytes(pki.resolve("ca.crt")))
                .as("the CA is kept")
                .isEqualTo(ca);
        String members = cluster.rpcAddresses(); // not n4's: a joiner serves no writes until it is added
        PeerConfig n4 = cluster.newJoiner("n4");
        Coordinator joined = cluster.startMember("n4");
        String follower = follower(cluster, List.of());

        try (MembershipClusterTest.Writer writer =
                        MembershipClusterTest.Writer.start(client(members, "ci", SUBMITTER), image);
                CorralClient admin = client(cluster.peer(follower).rpc(), "ops", ADMIN)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.succeeded.get() >= 3);
            Response.Membership listening = whenLed(
                    admin,
                    new Request.AddPeer("n4", n4.raft(), n4.rpc(), null),
                    MembershipClusterTest.JOIN_CALL_TIMEOUT_MS);
            assertThat(listening.leaderId())
                    .as("answered by the leader, forwarded")
                    .isNotEqualTo(follower);
            assertThat(MembershipClusterTest.peer(listening, "n4").role()).isEqualTo("LISTENER");
            assertThat(MembershipClusterTest.peer(listening, "n4").httpAddress())
                    .as("learned from n4 itself, over TLS with the peer token")
                    .isEqualTo(n4.http());

            Response.Membership promoted = MembershipClusterTest.promote(admin, "n4");
            assertThat(MembershipClusterTest.roles(promoted))
                    .containsEntry("n4", "VOTER")
                    .hasSize(4);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> joined.raft().status().role().equals("FOLLOWER")
                            || joined.raft().isLeader());
            int atPromotion = writer.succeeded.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.succeeded.get() >= atPromotion + 3);
            writer.stop();
            assertThat(writer.failures).as("writes failed while n4 was added").isEmpty();
        }
        MembershipClusterTest.assertSameState(cluster, "n4", address -> client(address, "ops", ADMIN));
        assertThat(joined.stateMachine()
                        .core()
                        .readBlob(joined.stateMachine().store().view(), image.sha256()))
                .as("the image came with the checkpoint")
                .hasSize((int) image.size());
    }

    /**
     * Removes the leader through n4, a follower: n4 forwards to the leader with its own certificate and the peer token
     * (it knows where the leader listens from the replicated configuration only), and the leader hands leadership over
     * and forwards the removal to its successor the same way. Should n4 lead, a bootstrap follower is removed through
     * another. Returns the removed id.
     */
    static String removeTheLeaderThroughAFollower(LocalCluster cluster) {
        String leader = cluster.awaitLeader();
        boolean n4Leads = leader.equals("n4");
        String removed = n4Leads ? follower(cluster, List.of()) : leader;
        String through = n4Leads ? follower(cluster, List.of(removed)) : "n4";
        try (CorralClient admin = client(cluster.peer(through).rpc(), "ops", ADMIN)) {
            Response.Membership m = whenLed(admin, new Request.RemovePeer(removed), 60_000);
            // The successor may be n4 itself: the old leader forwards the removal to whoever it handed over to.
            assertThat(m.leaderId()).isNotEqualTo(removed);
            assertThat(MembershipClusterTest.roles(m))
                    .doesNotContainKey(removed)
                    .hasSize(3);
        }
        Coordinator gone = cluster.member(removed);
        // Ratis stops the Raft member of a coordinator that is no longer in the configuration.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> "NOT_RUNNING".equals(gone.raft().status().role()));
        cluster.stopMember(removed);
        cluster.retire(removed);
        return removed;
    }

    /** A submitter and a read-only client may read the membership but neither add nor remove, on any member. */
    static void othersThanAdminAreRefusedAndNothingChanges(LocalCluster cluster, String removed) {
        String leader = cluster.awaitLeader();
        List<String> targets = List.of(leader, follower(cluster, List.of()));
        try (CorralClient reader = client(cluster.rpcAddresses(), "grafana", READER)) {
            Response.Membership before = reader.call(new Request.GetMembership(), Response.Membership.class);
            PeerConfig gone = cluster.peer(removed);
            for (String target : targets) {
                for (String[] who : List.of(new String[] {"ci", SUBMITTER}, new String[] {"grafana", READER})) {
                    try (CorralClient c = client(cluster.peer(target).rpc(), who[0], who[1])) {
                        denied(c, new Request.AddPeer(removed, gone.raft(), gone.rpc(), null), "AddPeer");
                        denied(c, new Request.RemovePeer("n4"), "RemovePeer");
                        denied(c, new Request.PromotePeer("n4"), "PromotePeer");
                    }
                }
            }
            Response.Membership after = reader.call(new Request.GetMembership(), Response.Membership.class);
            assertThat(after.configIndex()).isEqualTo(before.configIndex());
            assertThat(after.changing()).isFalse();
            assertThat(MembershipClusterTest.roles(after)).isEqualTo(MembershipClusterTest.roles(before));
        }
    }

    static void denied(CorralClient client, Request request, String name) {
        assertThatThrownBy(() -> client.call(request, Response.Membership.class))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED))
                .hasMessageContaining("may not send " + name + " (allowed roles: admin)");
    }

    /**
     * Every member runs the configuration of n4 and the two bootstrap members left, with their addresses; every
     * member, n4 included, reaches every other (cluster status over TLS with the peer token).
     */
    static void theConfigurationIsAsExpected(LocalCluster cluster, String removed) {
        assertThat(cluster.ids()).hasSize(3).contains("n4").doesNotContain(removed);
        for (String id : cluster.ids()) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !cluster.member(id).raft().configuration().isVoter(removed));
            Configuration c = cluster.member(id).raft().configuration();
            assertThat(c.voterIds()).as(id).containsExactlyInAnyOrderElementsOf(cluster.ids());
            assertThat(c.listenerIds()).as(id).isEmpty();
            for (Member m : c.voters()) {
                assertThat(m.rpcAddress()).isEqualTo(cluster.peer(m.id()).rpc());
                assertThat(m.httpAddress()).isEqualTo(cluster.peer(m.id()).http());
            }
        }
        for (String id : cluster.ids()) {
            try (CorralClient c = client(cluster.peer(id).rpc(), "ops", ADMIN)) {
                Response.ClusterStatus status =
                        c.callWithRetry(new Request.GetClusterStatus(), Response.ClusterStatus.class, 20);
                assertThat(status.members())
                        .extracting(MemberStatus::id)
                        .containsExactlyInAnyOrderElementsOf(cluster.ids());
                assertThat(status.members()).allSatisfy(m -> assertThat(m.reachable())
                        .as(id + " reaches " + m.id() + ": " + m.error())
                        .isTrue());
                assertThat(c.call(new Request.ListWorkers(), Response.WorkerList.class)
                                .unreachable())
                        .as("%s gathers the worker lists of the others", id)
                        .isEmpty();
            }
        }
    }

    /** A running member that does not lead, other than {@code except}. */
    static String follower(LocalCluster cluster, List<String> except) {
        String leader = cluster.awaitLeader();
        return cluster.ids().stream()
                .filter(id -> !id.equals(leader) && !except.contains(id))
                .findFirst()
                .orElseThrow();
    }

    Map<String, String> settings() throws Exception {
        pki = TestPki.generate(
                dir.resolve("pki"),
                "n1=127.0.0.1",
                "n2=127.0.0.1",
                "n3=127.0.0.1",
                "client:ops",
                "client:ci",
                "client:grafana");
        Path tokens = Files.writeString(
                dir.resolve("tokens.yaml"),
                String.join(
                        "\n",
                        "tokens:",
                        TokensFile.line("ops", Role.ADMIN, Tokens.sha256Hex(ADMIN)),
                        TokensFile.line("ci", Role.SUBMITTER, Tokens.sha256Hex(SUBMITTER)),
                        TokensFile.line("grafana", Role.READ_ONLY, Tokens.sha256Hex(READER)),
                        ""));
        Path peer = dir.resolve("peer.token");
        Files.createFile(peer, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(peer, PEER + "\n");
        // Small segments: the log rolls and purges after a few hundred entries.
        Map<String, String> settings = SnapshotInstallClusterTest.settings();
        TestPki.tlsSettings(pki, "require").forEach((k, v) -> settings.put(k, YamlConfig.quoted(v)));
        TestPki.authSettings(tokens, peer).forEach((k, v) -> settings.put(k, YamlConfig.quoted(v)));
        return settings;
    }

    /** A client with the certificate {@code name} of the test CA and {@code token}. */
    static CorralClient client(String addresses, String name, String token) {
        return CorralClient.connect(ClientOptions.builder(HostPort.parseList(addresses))
                .tls(ClientTls.create(
                        pki.resolve("ca.crt"), pki.resolve(name + ".crt"), pki.resolve(name + ".key"), null))
                .token(token)
                .connectRounds(1)
                .backoffBaseMs(1)
                .build());
    }

    /** The logs show the refusals and n4's checkpoint download, and no secret. */
    static void checkLogs(ListAppender<ILoggingEvent> logs) {
        List<String> lines = new ArrayList<>();
        synchronized (logs) {
            for (ILoggingEvent e : List.copyOf(logs.list)) {
                lines.add(e.getFormattedMessage());
                if (e.getThrowableProxy() != null) {
                    lines.add(ThrowableProxyUtil.asString(e.getThrowableProxy()));
                }
            }
        }
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("may not send AddPeer"));
        // Only n4 installs a checkpoint here: pulled from the leader's RPC port over TLS with the peer token.
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("downloaded checkpoint"));
        for (String secret : List.of(ADMIN, SUBMITTER, READER, PEER)) {
            assertThat(lines).noneSatisfy(line -> assertThat(line).contains(secret));
        }
    }

    static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /** No leader: an election is under way (on a loaded machine one can start at any time); the request is retried. */
    static boolean noLeader(CorralException e) {
        return e.code() == ErrorCode.UNAVAILABLE && e.getMessage().contains("has no leader");
    }

    /** {@code request}'s answer, sent again while the cluster has no leader. */
    static Response.Membership whenLed(CorralClient c, Request request, long timeoutMs) {
        Response.Membership[] answer = new Response.Membership[1];
        await().atMost(Duration.ofMillis(timeoutMs + 60_000))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    try {
                        answer[0] = c.call(request, Response.Membership.class, timeoutMs);
                        return true;
                    } catch (CorralException e) {
                        if (noLeader(e)) {
                            return false;
                        }
                        throw e;
                    }
                });
        return answer[0];
    }

    /** How {@code request} is refused, sent again while the cluster has no leader; fails if it is accepted. */
    static CorralException refusalWhenLed(CorralClient c, Request request) {
        CorralException[] refusal = new CorralException[1];
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    try {
                        c.call(request, Response.Membership.class, 60_000);
                        throw new AssertionError("accepted: " + request);
                    } catch (CorralException e) {
                        refusal[0] = e;
                        return !noLeader(e);
                    }
                });
        return refusal[0];
    }
}
