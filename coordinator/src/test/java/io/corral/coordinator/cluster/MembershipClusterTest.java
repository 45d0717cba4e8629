package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.client.ImageUpload;
import io.corral.coordinator.Coordinator;
import io.corral.coordinator.config.PeerConfig;
import io.corral.coordinator.membership.Configuration;
import io.corral.coordinator.membership.Member;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobSummary;
import io.corral.protocol.PeerView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members added and removed at run time, with real Ratis servers: a new member joins as a listener, catches up and
 * becomes a voter while clients keep writing; a member is removed; the changed membership survives a full restart
 * of members started with their original static configs.
 */
@Tag("cluster")
class MembershipClusterTest {
    /** A join installs a checkpoint and catches up the log: far more than a write, far less than this. */
    static final long JOIN_CALL_TIMEOUT_MS = 120_000;

    @TempDir
    Path dir;

    @Test
    void addAVoterUnderWritesThenRemoveAnotherAndRestartTheChangedCluster() throws Exception {
        Path root = dir.resolve("c");
        List<String> jobsBefore;
        String removed;
        try (LocalCluster cluster = LocalCluster.start(root, 3, LocalCluster.testSettings());
                CorralClient client = Clients.connect(cluster.rpcAddresses());
                Writer writer = Writer.start(cluster.rpcAddresses(), upload(client))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.succeeded.get() >= 5);

            PeerConfig n4 = cluster.newJoiner("n4");
            cluster.startMember("n4");
            Response.Membership added = client.call(
                    new Request.AddPeer("n4", n4.raft(), n4.rpc(), null),
                    Response.Membership.class,
                    JOIN_CALL_TIMEOUT_MS);
            assertThat(peer(added, "n4").role()).isEqualTo("LISTENER");
            assertThat(cluster.member("n4").raft().status().role()).isEqualTo("LISTENER");
            assertThat(peer(added, "n4").httpAddress())
                    .as("learned from the new member itself")
                    .isEqualTo(n4.http());
            Response.Membership promoted = promote(client, "n4");
            assertThat(roles(promoted))
                    .containsEntry("n4", "VOTER")
                    .containsEntry("n1", "VOTER")
                    .hasSize(4);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> cluster.member("n4").raft().status().role().equals("FOLLOWER"));

            int atPromotion = writer.succeeded.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.succeeded.get() >= atPromotion + 5);
            writer.stop();
            assertThat(writer.failures)
                    .as("writes failed while a member was added")
                    .isEmpty();
            assertSameState(cluster, "n4");

            String leader = cluster.awaitLeader();
            removed = cluster.ids().stream()
                    .filter(id -> !id.equals(leader) && !id.equals("n4"))
                    .findFirst()
                    .orElseThrow();
            Response.Membership afterRemoval =
                    client.call(new Request.RemovePeer(removed), Response.Membership.class, 30_000);
            assertThat(roles(afterRemoval)).doesNotContainKey(removed).hasSize(3);
            cluster.stopMember(removed);
            cluster.retire(removed);

            FailoverClusterTest.submit(client, writer.image, "after-removal");
            for (String id : cluster.ids()) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> !cluster.member(id).raft().configuration().isVoter(removed));
                assertThat(cluster.member(id).raft().configuration().voterIds())
                        .containsExactlyInAnyOrderElementsOf(cluster.ids());
            }
            jobsBefore = jobIds(client);
        }

        try (LocalCluster cluster = LocalCluster.restart(root, 3, LocalCluster.testSettings());
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            assertThat(cluster.ids()).contains("n4").doesNotContain(removed);
            Response.Membership m = client.callWithRetry(new Request.GetMembership(), Response.Membership.class, 20);
            assertThat(roles(m))
                    .containsEntry("n4", "VOTER")
                    .doesNotContainKey(removed)
                    .hasSize(3);
            for (String id : cluster.ids()) {
                Configuration c = cluster.member(id).raft().configuration();
                assertThat(c.voterIds()).containsExactlyInAnyOrderElementsOf(cluster.ids());
                for (Member member : c.voters()) {
                    assertThat(member.rpcAddress())
                            .as("%s knows where %s listens", id, member.id())
                            .isEqualTo(cluster.peer(member.id()).rpc());
                    assertThat(member.httpAddress())
                            .isEqualTo(cluster.peer(member.id()).http());
                }
            }
            assertThat(jobIds(client)).containsAll(jobsBefore);
            Response.ClusterStatus status =
                    client.callWithRetry(new Request.GetClusterStatus(), Response.ClusterStatus.class, 20);
            assertThat(status.members()).extracting(s -> s.id()).containsExactlyInAnyOrderElementsOf(cluster.ids());
            FailoverClusterTest.submit(client, upload(client), "after-restart");
        }
    }

    static ImageRef upload(CorralClient client) throws Exception {
        Path image = TestImages.png(Path.of(System.getProperty("java.io.tmpdir")), "membership.png", 4, 30, 30);
        return ImageUpload.upload(client, image, 50L << 20);
    }

    /** Promotes {@code id} as soon as the leader allows it (it refuses while the listener lags). */
    static Response.Membership promote(CorralClient client, String id) {
        Response.Membership[] result = new Response.Membership[1];
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    try {
                        result[0] = client.call(new Request.PromotePeer(id), Response.Membership.class);
                        return true;
                    } catch (CorralException e) {
                        if (e.code() != ErrorCode.CONFLICT && !e.code().retryable()) {
                            throw e;
                        }
                        return false;
                    }
                });
        return result[0];
    }

    static PeerView peer(Response.Membership m, String id) {
        return m.peers().stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow();
    }

    static Map<String, String> roles(Response.Membership m) {
        return m.peers().stream().collect(java.util.stream.Collectors.toMap(PeerView::id, PeerView::role));
    }

    static List<String> jobIds(CorralClient client) {
        return client.callWithRetry(new Request.ListJobs(null, 1000, false), Response.JobList.class, 20).jobs().stream()
                .map(JobSummary::id)
                .toList();
    }

    /**
     * The new member has applied what the leader has, and its own state answers reads as the leader's does. Call it
     * with writes stopped: then nothing changes the jobs and locks in between (no worker runs).
     */
    static void assertSameState(LocalCluster cluster, String id) {
        assertSameState(cluster, id, Clients::connect);
    }

    /** {@link #assertSameState(LocalCluster, String)} with clients made by {@code connect} (TLS, a token). */
    static void assertSameState(LocalCluster cluster, String id, Function<String, CorralClient> connect) {
        Coordinator leader = cluster.leader();
        long applied = leader.stateMachine().getLastAppliedTermIndex().getIndex();
        Coordinator added = cluster.member(id);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> added.stateMachine().getLastAppliedTermIndex().getIndex() >= applied);
        try (CorralClient there = connect.apply(cluster.peer(id).rpc());
                CorralClient atLeader =
                        connect.apply(cluster.peer(leader.raft().selfId()).rpc())) {
            Request.ListJobs jobs = new Request.ListJobs(null, 1000, true);
            List<JobSummary> expected =
                    atLeader.call(jobs, Response.JobList.class).jobs();
            assertThat(expected).isNotEmpty();
            assertThat(there.call(jobs, Response.JobList.class).jobs()).isEqualTo(expected);
            Request.ListLocks locks = new Request.ListLocks(true);
            assertThat(there.call(locks, Response.LockList.class).locks())
                    .isEqualTo(atLeader.call(locks, Response.LockList.class).locks());
        }
    }

    /** Submits jobs and takes and releases locks, one after another, until stopped; counts what succeeded. */
    static final class Writer implements AutoCloseable {
        final AtomicInteger succeeded = new AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final ImageRef image;
        private final CorralClient client;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        private Writer(CorralClient client, ImageRef image) {
            this.client = client;
            this.image = image;
            this.thread = new Thread(this::run, "membership-writer");
        }

        static Writer start(String coordinators, ImageRef image) {
            return start(Clients.connect(coordinators), image);
        }

        /** Writes through {@code client}, which the writer closes. */
        static Writer start(CorralClient client, ImageRef image) {
            Writer w = new Writer(client, image);
            w.thread.start();
            return w;
        }

        private void run() {
            for (int i = 0; !stop.get(); i++) {
                try {
                    FailoverClusterTest.submit(client, image, "writer-" + i);
                    String lock = "writer-lock-" + i;
                    long token = client.call(
                                    new Request.AcquireLock(lock, "writer", 60_000, 0), Response.LockGranted.class)
                            .token();
                    client.call(new Request.ReleaseLock(lock, token), Response.LockReleased.class);
                    succeeded.incrementAndGet();
                } catch (RuntimeException e) {
                    failures.add(i + ": " + e);
                }
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join();
        }

        @Override
        public void close() throws InterruptedException {
            stop();
            client.close();
        }
    }
}
