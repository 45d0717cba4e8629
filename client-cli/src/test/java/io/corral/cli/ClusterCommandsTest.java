package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.PeerView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.codec.Json;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClusterCommandsTest {
    static Response.ClusterStatus status() {
        return new Response.ClusterStatus(
                "n1",
                List.of(
                        new MemberStatus(
                                "n1", "h1:9100", "h1:7000", "h1:8080", "LEADER", 3, 120, 120, 100, "n1", true, null),
                        new MemberStatus(
                                "n2",
                                "h2:9100",
                                "h2:7000",
                                "h2:8080",
                                null,
                                -1,
                                -1,
                                -1,
                                -1,
                                null,
                                false,
                                "connection refused")));
    }

    static PeerView peer(String id, String role, long match) {
        int n = Integer.parseInt(id.substring(1));
        return new PeerView(
                id, "h" + n + ":9100", "h" + n + ":7000", "h" + n + ":8080", role, match, match < 0 ? -1 : 20);
    }

    static Response.Membership membership(long commit, PeerView... peers) {
        return new Response.Membership("n1", 40, false, commit, List.of(peers));
    }

    @Test
    void statusTableHasOneRowPerMember() {
        FakeCluster cluster = new FakeCluster()
                .on(Request.GetClusterStatus.class, r -> status())
                .on(Request.GetSecurity.class, r -> SECURED)
                .on(
                        Request.GetMembership.class,
                        r -> membership(120, peer("n1", "VOTER", 120), peer("n2", "VOTER", -1)));

        CliRunner.Result result = CliRunner.run(cluster, "cluster", "status");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .startsWith("LEADER   n1")
                .contains("SECURED  yes (TLS, client certificates required, tokens)")
                .contains("ID  RAFT     RPC      ROLE    TERM  COMMIT  APPLIED  SNAPSHOT  REACHABLE  ERROR")
                .contains("n1  h1:9100  h1:7000  LEADER  3     120     120      100       yes        -")
                .contains(
                        "n2  h2:9100  h2:7000  -       -     -       -        -         no         connection refused");
    }

    @Test
    void statusShowsTheConfigurationWithListenersAndLag() {
        FakeCluster cluster = new FakeCluster()
                .on(Request.GetClusterStatus.class, r -> status())
                .on(Request.GetSecurity.class, r -> SECURED)
                .on(
                        Request.GetMembership.class,
                        r -> membership(
                                120, peer("n1", "VOTER", 120), peer("n2", "VOTER", -1), peer("n4", "LISTENER", 90)));

        CliRunner.Result result = CliRunner.run(cluster, "cluster", "status");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .contains("CONFIGURATION  index 40")
                .contains("ID  MEMBERSHIP  RAFT     RPC      HTTP     MATCH  BEHIND  CONTACT")
                .contains("n2  VOTER       h2:9100  h2:7000  h2:8080  -      -       -")
                .contains("n4  LISTENER    h4:9100  h4:7000  h4:8080  90     30      20ms ago");
    }

    @Test
    void statusFromACoordinatorWithoutMembershipStillShowsTheMembers() {
        FakeCluster cluster = new FakeCluster()
                .on(Request.GetClusterStatus.class, r -> status())
                .on(Request.GetSecurity.class, r -> SECURED)
                .fail(Request.GetMembership.class, ErrorCode.BAD_REQUEST, "unknown type GetMembership");

        CliRunner.Result result = CliRunner.run(cluster, "cluster", "status");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("n1  h1:9100").doesNotContain("CONFIGURATION");
        assertThat(result.err()).contains("the configuration is not shown");
    }

    static final Response.Security SECURED = new Response.Security("n1", true, "require", true, true, false);

    /** Whether the cluster is secured, as the coordinator reached is configured (issue 11). */
    @Test
    void statusSaysWhetherTheClusterIsSecured() {
        assertThat(ClusterCommands.Status.secured(new Response.Security("n1", true, "none", true, true, false)))
                .isEqualTo("yes (TLS, tokens)");
        assertThat(ClusterCommands.Status.secured(new Response.Security("n1", false, "none", false, false, false)))
                .isEqualTo("no (no TLS, no tokens), on loopback: only this machine reaches it");
        assertThat(ClusterCommands.Status.secured(new Response.Security("n1", false, "none", false, true, true)))
                .isEqualTo("NO (no TLS, no tokens, security.insecure): anyone who reaches its network can use it;"
                        + " docs/security.md");
        assertThat(ClusterCommands.Status.secured(new Response.Security("n1", true, "none", false, true, true)))
                .startsWith("NO (no tokens, security.insecure)");

        FakeCluster older = new FakeCluster()
                .on(Request.GetClusterStatus.class, r -> status())
                .on(Request.GetMembership.class, r -> membership(120, peer("n1", "VOTER", 120)))
                .fail(Request.GetSecurity.class, ErrorCode.BAD_REQUEST, "unknown type GetSecurity");
        assertThat(CliRunner.run(older, "cluster", "status").out())
                .contains("SECURED  not reported (the coordinator reached is older than this CLI)");
    }

    @Test
    void statusJsonHasLeaderAndMembers() throws Exception {
        FakeCluster cluster = new FakeCluster()
                .on(Request.GetClusterStatus.class, r -> status())
                .on(Request.GetSecurity.class, r -> SECURED)
                .on(Request.GetMembership.class, r -> membership(120, peer("n1", "VOTER", 120)));

        JsonNode json = Json.mapper()
                .readTree(CliRunner.run(cluster, "cluster", "status", "-o", "json")
                        .out());

        assertThat(json.get("leaderId").asText()).isEqualTo("n1");
        assertThat(json.get("members")).hasSize(2);
        assertThat(json.get("security").get("tls").asBoolean()).isTrue();
        assertThat(json.get("members").get(0).get("id").asText()).isEqualTo("n1");
        assertThat(json.get("members").get(0).get("role").asText()).isEqualTo("LEADER");
        assertThat(json.get("members").get(0).get("appliedIndex").asLong()).isEqualTo(120);
    }

    @Test
    void snapshotAndTransferLeader() throws Exception {
        FakeCluster cluster = new FakeCluster()
                .on(Request.TakeSnapshot.class, r -> new Response.SnapshotTaken(120))
                .on(Request.TransferLeader.class, r -> new Response.LeaderTransferred(r.targetId()));

        assertThat(CliRunner.run(cluster, "cluster", "snapshot").out()).startsWith("snapshot taken at index 120");
        assertThat(Json.mapper()
                        .readTree(CliRunner.run(cluster, "cluster", "snapshot", "-o", "json")
                                .out())
                        .get("index")
                        .asLong())
                .isEqualTo(120);
        assertThat(CliRunner.run(cluster, "cluster", "transfer-leader", "--to", "n2")
                        .out())
                .startsWith("leader is now n2");
        assertThat(cluster.requests).contains(new Request.TransferLeader("n2"));
    }

    @Test
    void transferLeaderNeedsATarget() {
        CliRunner.Result result = CliRunner.run(new FakeCluster(), "cluster", "transfer-leader");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--to");
    }

    /**
     * The new member is caught up while add-peer polls the leader's view; once close enough it is promoted. The add
     * answers only after the second poll, so the progress of the catch-up is shown.
     */
    @Test
    void addPeerShowsTheCatchUpThenPromotes() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        CountDownLatch polled = new CountDownLatch(2);
        FakeCluster cluster = new FakeCluster()
                .on(Request.GetMembership.class, r -> {
                    int n = polls.incrementAndGet();
                    polled.countDown();
                    PeerView n4 = n == 1
                            ? peer("n4", "JOINING", -1)
                            : n == 2 ? peer("n4", "JOINING", 400) : peer("n4", "LISTENER", 990);
                    return membership(1000, peer("n1", "VOTER", 1000), n4);
                })
                .on(Request.AddPeer.class, r -> {
                    try {
                        polled.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return membership(1000, peer("n1", "VOTER", 1000), peer("n4", "LISTENER", 950));
                })
                .on(
                        Request.PromotePeer.class,
                        r -> membership(1001, peer("n1", "VOTER", 1001), peer("n4", "VOTER", 1001)));
        ResultsAndWaitTest.FakePacer pacer = new ResultsAndWaitTest.FakePacer();

        CliRunner.Result result =
                CliRunner.run(cluster, pacer, "cluster", "add-peer", "n4", "--raft", "h4:9100", "--rpc", "h4:7000");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.err())
                .contains("n4: joining, installing a checkpoint of the state")
                .contains("n4: joining, match index 400 of commit 1000 (600 behind)")
                .contains("n4: listener, match index 990 of commit 1000 (10 behind)");
        assertThat(result.out()).startsWith("n4 is a voting member").contains("n4  VOTER");
        assertThat(cluster.requests)
                .contains(new Request.AddPeer("n4", "h4:9100", "h4:7000", null), new Request.PromotePeer("n4"));
    }

    @Test
    void addPeerWaitsWhileTheLeaderRefusesThePromotionAndGivesUpAtItsTimeout() {
        FakeCluster cluster = new FakeCluster()
                .on(
                        Request.GetMembership.class,
                        r -> membership(1000, peer("n1", "VOTER", 1000), peer("n4", "LISTENER", 1000)))
                .on(
                        Request.AddPeer.class,
                        r -> membership(1000, peer("n1", "VOTER", 1000), peer("n4", "LISTENER", 1000)))
                .fail(Request.PromotePeer.class, ErrorCode.CONFLICT, "'n4' has not answered the leader for 9000 ms");
        ResultsAndWaitTest.FakePacer pacer = new ResultsAndWaitTest.FakePacer();

        CliRunner.Result result = CliRunner.run(
                cluster,
                pacer,
                "cluster",
                "add-peer",
                "n4",
                "--raft",
                "h4:9100",
                "--rpc",
                "h4:7000",
                "--join-timeout",
                "10s");

        assertThat(result.exitCode()).isEqualTo(ExitCodes.of(ErrorCode.TIMEOUT));
        assertThat(result.err())
                .contains("n4: not promoted yet: 'n4' has not answered the leader for 9000 ms")
                .contains("n4 is not a voter after 10s")
                .contains("run add-peer again to resume");
    }

    @Test
    void addPeerRefusedSaysWhy() {
        FakeCluster cluster = new FakeCluster()
                .on(Request.GetMembership.class, r -> membership(10, peer("n1", "VOTER", 10)))
                .fail(Request.AddPeer.class, ErrorCode.CONFLICT, "'n1' is already a voting member");

        CliRunner.Result result = CliRunner.run(
                cluster,
                new ResultsAndWaitTest.FakePacer(),
                "cluster",
                "add-peer",
                "n1",
                "--raft",
                "h9:9100",
                "--rpc",
                "h9:7000");

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.err()).contains("'n1' is already a voting member");
        assertThat(cluster.requests).doesNotContain(new Request.PromotePeer("n1"));
    }

    @Test
    void removePeerIsSentOnceAndShowsTheConfigurationLeft() throws Exception {
        FakeCluster cluster = new FakeCluster()
                .on(Request.RemovePeer.class, r -> membership(50, peer("n1", "VOTER", 50), peer("n3", "VOTER", 49)));

        CliRunner.Result result = CliRunner.run(cluster, "cluster", "remove-peer", "n2");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .startsWith("n2 is no longer a member; stop its coordinator now")
                .contains("n3  VOTER");
        assertThat(cluster.requests).containsExactly(new Request.RemovePeer("n2"));
        assertThat(cluster.retried).isEmpty();
        assertThat(cluster.connections.get(0).requestTimeoutMs()).isGreaterThanOrEqualTo(60_000);

        JsonNode json = Json.mapper()
                .readTree(CliRunner.run(cluster, "cluster", "remove-peer", "n2", "-o", "json")
                        .out());
        assertThat(json.get("peers")).hasSize(2);
        assertThat(json.get("configIndex").asLong()).isEqualTo(40);
    }
}
