package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.client.CorralClient;
import io.corral.coordinator.Coordinator;
import io.corral.coordinator.lifecycle.LeaderHandover;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.systemd.Health;
import io.corral.systemd.Readiness;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What systemd sees of a coordinator: readiness after a restart, health, and the leader's hand-over on stop. */
@Tag("cluster")
class ShutdownClusterTest {
    @TempDir
    Path dir;

    @Test
    void aStoppingLeaderHandsLeadershipToAFollowerWhichWinsTheNextTerm() {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings());
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            lock(client, "before");
            Coordinator leader = cluster.leader();
            String oldLeader = leader.raft().selfId();
            long term = leader.raft().info().getCurrentTerm();

            LeaderHandover.Result handover = cluster.shutdownMember(oldLeader);

            assertThat(handover.outcome()).isEqualTo(LeaderHandover.Outcome.TRANSFERRED);
            assertThat(handover.fromTerm()).isEqualTo(term);
            assertThat(handover.leaderId()).isEqualTo(handover.targetId()).isNotEqualTo(oldLeader);
            String newLeader = cluster.awaitLeader();
            assertThat(newLeader).isEqualTo(handover.targetId());
            // Elected in the very next term: the target campaigned when told to, not after an election timeout
            // (which, with a leader simply gone, would be as likely to be won by the other follower).
            assertThat(cluster.member(newLeader).raft().info().getCurrentTerm()).isEqualTo(term + 1);
            lock(client, "after");
        }
    }

    @Test
    void aStoppingFollowerHasNothingToHandOver() {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings())) {
            String leader = cluster.awaitLeader();
            String follower = cluster.ids().stream()
                    .filter(id -> !id.equals(leader))
                    .findFirst()
                    .orElseThrow();

            LeaderHandover.Result handover = cluster.shutdownMember(follower);

            assertThat(handover.outcome()).isEqualTo(LeaderHandover.Outcome.NOT_LEADER);
        }
    }

    @Test
    void aRestartedMemberIsReadyOnceItHasAppliedItsLogAndSeesALeaderAndHealthyUntilClosed() {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, LocalCluster.testSettings());
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            String leader = cluster.awaitLeader();
            String follower = cluster.ids().stream()
                    .filter(id -> !id.equals(leader))
                    .findFirst()
                    .orElseThrow();
            for (int i = 0; i < 20; i++) {
                lock(client, "L" + i);
            }
            long written = cluster.member(leader).raft().commitIndex();
            cluster.awaitApplied(written);
            cluster.stopMember(follower);

            Coordinator restarted = cluster.startMember(follower);
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> restarted.readiness().ready());

            assertThat(restarted.startupLastLogIndex()).isGreaterThanOrEqualTo(written);
            assertThat(restarted.stateMachine().getLastAppliedTermIndex().getIndex())
                    .isGreaterThanOrEqualTo(restarted.startupLastLogIndex());
            Readiness ready = restarted.readiness();
            assertThat(ready.status()).startsWith("leader " + restarted.raft().leaderId() + ", term ");
            assertThat(restarted.health()).isEqualTo(Health.OK);

            cluster.stopMember(follower);

            Health closed = restarted.health();
            assertThat(closed.healthy()).isFalse();
            assertThat(closed.problem())
                    .contains("Raft division")
                    .contains("RPC server")
                    .contains("HTTP server");
        }
    }

    private static void lock(CorralClient client, String name) {
        Response.LockGranted g = client.callWithRetry(
                new Request.AcquireLock(name, "shutdown-test", 60_000, 0), Response.LockGranted.class, 20);
        client.callWithRetry(new Request.ReleaseLock(g.name(), g.token()), Response.LockReleased.class, 20);
    }
}
