package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.client.ImageUpload;
import io.corral.coordinator.Coordinator;
import io.corral.coordinator.config.PeerConfig;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.transport.RpcServer;
import io.corral.protocol.transport.ServerOptions;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Membership changes beyond the main path ({@link MembershipClusterTest}): a new member that must install a
 * checkpoint because the leader purged its log, removing the leader, and the refusals.
 */
@Tag("cluster")
class MembershipChangeClusterTest {
    @TempDir
    Path dir;

    @Test
    void aNewMemberBehindThePurgedLogInstallsACheckpointImagesIncluded() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, SnapshotInstallClusterTest.settings());
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            ImageRef early = ImageUpload.upload(client, TestImages.png(dir, "early.png", 1, 30, 30), 50L << 20);
            String earlyJob = FailoverClusterTest.submit(client, early, "early");
            // About 1.5 MiB: two chunks, so the checkpoint must carry multi-chunk images.
            Path big = TestImages.noisyPng(dir, "big.png", 2, 700, 700);
            ImageRef bigRef = ImageUpload.upload(client, big, 50L << 20);
            String bigJob = FailoverClusterTest.submit(client, bigRef, "big");
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

            PeerConfig n4 = cluster.newJoiner("n4");
            Coordinator added = cluster.startMember("n4");
            client.call(
                    new Request.AddPeer("n4", n4.raft(), n4.rpc(), n4.http()),
                    Response.Membership.class,
                    MembershipClusterTest.JOIN_CALL_TIMEOUT_MS);
            MembershipClusterTest.promote(client, "n4");

            MembershipClusterTest.assertSameState(cluster, "n4");
            assertThat(added.stateMachine()
                            .core()
                            .readBlob(added.stateMachine().store().view(), bigRef.sha256()))
                    .isEqualTo(Files.readAllBytes(big));
            try (CorralClient direct = Clients.connect(n4.rpc())) {
                for (String job : List.of(earlyJob, bigJob)) {
                    assertThat(direct.call(new Request.GetJob(job, true), Response.JobDetail.class)
                                    .job()
                                    .id())
                            .isEqualTo(job);
                }
            }
        }
    }

    @Test
    void removingTheLeaderMovesLeadershipFirstAndTheRemovedMemberStops() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings());
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            ImageRef image = ImageUpload.upload(client, TestImages.png(dir, "a.png", 3, 30, 30), 50L << 20);
            String before = FailoverClusterTest.submit(client, image, "before");
            String oldLeader = cluster.awaitLeader();

            Response.Membership m = client.call(new Request.RemovePeer(oldLeader), Response.Membership.class, 60_000);

            assertThat(MembershipClusterTest.roles(m))
                    .doesNotContainKey(oldLeader)
                    .hasSize(2);
            assertThat(m.leaderId()).isNotEqualTo(oldLeader);
            Coordinator removed = cluster.member(oldLeader);
            // Ratis stops the Raft member of a coordinator that is no longer in the configuration.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> "NOT_RUNNING".equals(removed.raft().status().role()));
            List<String> remaining =
                    cluster.ids().stream().filter(id -> !id.equals(oldLeader)).toList();
            try (CorralClient others = Clients.connect(String.join(
                    ",", remaining.stream().map(id -> cluster.peer(id).rpc()).toList()))) {
                String after = FailoverClusterTest.submit(others, image, "after");
                assertThat(MembershipClusterTest.jobIds(others)).contains(before, after);
                Response.ClusterStatus status =
                        others.callWithRetry(new Request.GetClusterStatus(), Response.ClusterStatus.class, 20);
                assertThat(status.members())
                        .extracting(MemberStatus::id)
                        .containsExactlyInAnyOrderElementsOf(remaining);
                assertThat(remaining).contains(status.leaderId());
            }
        }
    }

    @Test
    void refusals() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings());
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            PeerConfig n1 = cluster.peer("n1");
            PeerConfig n5 = cluster.newJoiner("n5");
            refused(
                    client,
                    new Request.AddPeer("n1", n5.raft(), n5.rpc(), null),
                    ErrorCode.CONFLICT,
                    "already a voting member");
            refused(
                    client,
                    new Request.AddPeer("n5", n1.raft(), n5.rpc(), null),
                    ErrorCode.CONFLICT,
                    "address " + n1.raft() + " is already used by member 'n1'");
            refused(
                    client,
                    new Request.AddPeer("n5", "nowhere", n5.rpc(), null),
                    ErrorCode.BAD_REQUEST,
                    "raft address");
            refused(
                    client,
                    new Request.AddPeer("n5", n5.raft(), n5.rpc(), null),
                    ErrorCode.UNAVAILABLE,
                    "start it first");

            cluster.startMember("n5");
            refused(
                    client,
                    new Request.AddPeer("n6", n5.raft(), n5.rpc(), null),
                    ErrorCode.CONFLICT,
                    "is 'n5', not 'n6'");
            refused(client, new Request.RemovePeer("n9"), ErrorCode.NOT_FOUND, "no member 'n9'");
            refused(client, new Request.PromotePeer("n9"), ErrorCode.NOT_FOUND, "no listener 'n9'");
            refused(client, new Request.TransferLeader("n5"), ErrorCode.NOT_FOUND, "no voting member 'n5'");
            Response.Membership unchanged = client.call(new Request.PromotePeer("n1"), Response.Membership.class);
            assertThat(MembershipClusterTest.roles(unchanged)).hasSize(3).containsEntry("n1", "VOTER");

            String leader = cluster.awaitLeader();
            List<String> followers = cluster.ids().stream()
                    .filter(id -> !id.equals(leader) && !id.equals("n5"))
                    .toList();
            String down = followers.get(1);
            cluster.stopMember(down);
            // The leader counts a member live for an election timeout after its last answer: wait until it is not.
            long liveWithinMs = cluster.config(leader).raft().electionTimeoutMaxMs();
            try (CorralClient atLeader = Clients.connect(cluster.peer(leader).rpc())) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> MembershipClusterTest.peer(
                                                atLeader.call(new Request.GetMembership(), Response.Membership.class),
                                                down)
                                        .lastContactMs()
                                > liveWithinMs);
                refused(atLeader, new Request.RemovePeer(followers.get(0)), ErrorCode.CONFLICT, "no majority");
            }

            cluster.stopMember(followers.get(0));
            // Alone, the old leader steps down (it hears from no majority) and no election can succeed.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> cluster.member(leader).raft().leaderId() == null);
            try (CorralClient alone = Clients.connect(cluster.peer(leader).rpc())) {
                refused(
                        alone,
                        new Request.AddPeer("n5", n5.raft(), n5.rpc(), null),
                        ErrorCode.UNAVAILABLE,
                        "no leader");
            }
        }
    }

    /**
     * A candidate that answers its status as a joining member should, at a Raft address that never answers: the
     * leader stages it (a change under way, so a second change is refused) until Ratis gives up on it.
     */
    @Test
    void aChangeWhileAnotherIsUnderWayIsRefusedAndAnUnresponsiveNewMemberChangesNothing() throws Exception {
        Map<String, String> settings = LocalCluster.testSettings();
        // Ratis gives a new member three election timeouts to answer: a window wide enough to send a second change in.
        settings.put("raft.electionTimeoutMinMs", "1000");
        settings.put("raft.electionTimeoutMaxMs", "3000");
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings);
                CorralClient client = Clients.connect(cluster.rpcAddresses());
                ServerSocket silentRaft = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
                RpcServer fakeRpc = RpcServer.start(
                        new InetSocketAddress("127.0.0.1", 0),
                        (request, session) ->
                                CompletableFuture.completedFuture(new Response.NodeStatus(new MemberStatus(
                                        "n7",
                                        "127.0.0.1:" + silentRaft.getLocalPort(),
                                        "ignored",
                                        "127.0.0.1:1",
                                        "LISTENER",
                                        0,
                                        -1,
                                        -1,
                                        -1,
                                        null,
                                        true,
                                        null))),
                        ServerOptions.defaults())) {
            String rpc = "127.0.0.1:" + fakeRpc.boundAddress().getPort();
            CompletableFuture<Response> first = client.send(
                    new Request.AddPeer("n7", "127.0.0.1:" + silentRaft.getLocalPort(), rpc, null), 120_000);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> client.call(new Request.GetMembership(), Response.Membership.class).peers().stream()
                            .anyMatch(p -> p.id().equals("n7") && p.role().equals("JOINING")));
            // Removing the leader, the path that would start a leadership transfer first.
            refused(client, new Request.RemovePeer(cluster.awaitLeader()), ErrorCode.CONFLICT, "under way");

            Response outcome = first.get();
            assertThat(outcome).isInstanceOf(Response.ErrorReply.class);
            Response.ErrorReply error = (Response.ErrorReply) outcome;
            assertThat(error.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(error.message()).contains("stopped answering", "nothing changed");
            Response.Membership after = client.call(new Request.GetMembership(), Response.Membership.class);
            assertThat(MembershipClusterTest.roles(after)).hasSize(3).doesNotContainKey("n7");
        }
    }

    private static void refused(CorralClient client, Request request, ErrorCode code, String message) {
        assertThatThrownBy(() -> client.call(request, Response.Membership.class))
                .isInstanceOfSatisfying(CorralException.class, e -> {
                    assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
                    if (message != null) {
                        assertThat(e.getMessage()).contains(message);
                    }
                });
    }
}
