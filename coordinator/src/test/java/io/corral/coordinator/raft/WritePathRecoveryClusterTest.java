package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.coordinator.Coordinator;
import io.corral.coordinator.cluster.LocalCluster;
import io.corral.coordinator.state.Command;
import io.corral.protocol.LockView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member whose writes failed while it had no leader commits again once a leader is back: client writes, and, when
 * it leads, its own decisions. On Ratis' ordered client this member's write path closed for good after one write ran
 * out of time (issue 10; {@link RaftWriter} says why), and every later write failed with "SlidingWindow$Client ... is
 * closed" until the process was restarted.
 */
@Tag("cluster")
class WritePathRecoveryClusterTest {
    /** Short, so that a write runs out of time while the member has no leader within the test's first seconds. */
    static final String REQUEST_TIMEOUT_MS = "1500";

    @TempDir
    Path dir;

    static Map<String, String> settings() {
        Map<String, String> s = LocalCluster.testSettings();
        s.put("raft.requestTimeoutMs", REQUEST_TIMEOUT_MS);
        return s;
    }

    @Test
    void aMemberCommitsAgainAfterItsWritesRanOutOfTimeWithoutALeader() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings())) {
            Outage outage = Outage.ofAFollower(cluster);
            Coordinator s = outage.survivor();
            assertThat(submit(s, new Command.AcquireLock("before", "owner", 60_000, 0)))
                    .isInstanceOf(Response.LockGranted.class);

            outage.stopOthers();
            // No leader anywhere: the write is retried until raft.requestTimeoutMs has passed, then refused.
            assertThat(submit(s, new Command.AcquireLock("alone", "owner", 60_000, 0)))
                    .isInstanceOf(Response.ErrorReply.class);

            outage.startOthers();
            cluster.awaitLeader();
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(submit(s, new Command.AcquireLock("after", "owner", 60_000, 0)))
                            .isInstanceOf(Response.LockGranted.class));
        }
    }

    @Test
    void aLeaderWhoseWritesRanOutOfTimeMakesItsOwnDecisionsAgain() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings())) {
            Outage outage = Outage.ofAFollower(cluster);
            Coordinator s = outage.survivor();
            outage.stopOthers();
            assertThat(submit(s, new Command.AcquireLock("alone", "owner", 60_000, 0)))
                    .isInstanceOf(Response.ErrorReply.class);
            outage.startOthers();

            // The survivor leads; a lock with a short TTL must be expired by its housekeeping, a write it makes itself.
            // A transfer may be refused while an election is under way: asked again until the survivor leads.
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() -> {
                        String now = cluster.awaitLeader();
                        if (!now.equals(outage.survivorId())) {
                            cluster.member(now).raft().transferLeadership(outage.survivorId());
                        }
                        return s.raft().isLeader();
                    });
            Response granted = cluster.leader()
                    .raft()
                    .submit(new Command.AcquireLock("short", "owner", 200, 0))
                    .get(10, TimeUnit.SECONDS);
            assertThat(granted).isInstanceOf(Response.LockGranted.class);
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> locks(s).stream().noneMatch(l -> l.name().equals("short")));
        }
    }

    private static List<LockView> locks(Coordinator c) {
        Response r = c.stateMachine()
                .core()
                .query(new Request.ListLocks(true), c.stateMachine().store().view());
        return ((Response.LockList) r).locks();
    }

    private static Response submit(Coordinator c, Command command) throws Exception {
        return c.raft().submit(command).get(30, TimeUnit.SECONDS);
    }
}
