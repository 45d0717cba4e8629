package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.coordinator.Coordinator;
import io.corral.coordinator.cluster.LocalCluster;
import io.corral.coordinator.state.Command;
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
 * On real Ratis servers: a write acknowledged on its own is one log entry, and a quiet cluster's followers apply a write soon after the leader acknowledged it, though no
 * later entry carries the new commit index to them (Ratis' log-metadata entries, which did, are off) and the next
 * heartbeat is seconds away. A stale read on a follower, a watch there, an offer to a worker connected there: all wait
 * for the follower's apply.
 */
@Tag("cluster")
class CommitPushClusterTest {
    /** Heartbeats every half of it: 3 s after the follower's last answer. */
    private static final String ELECTION_TIMEOUT_MIN_MS = "6000";

    /** Well before the next heartbeat, and far longer than an apply takes. */
    private static final Duration APPLIED_WITHIN = Duration.ofMillis(1_500);

    private static final int WRITES = 3;

    @TempDir
    Path dir;

    @Test
    void aLoneWriteIsOneEntryAndAQuietClustersFollowersApplyItBeforeTheNextHeartbeat() throws Exception {
        Map<String, String> settings = LocalCluster.testSettings();
        settings.put("raft.electionTimeoutMinMs", ELECTION_TIMEOUT_MIN_MS);
        settings.put("raft.electionTimeoutMaxMs", "7000");
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings)) {
            Coordinator leader = cluster.leader();
            List<Coordinator> followers =
                    cluster.running().stream().filter(c -> c != leader).toList();
            cluster.awaitApplied(applied(leader));
            long logBefore = logNext(leader);
            for (int i = 0; i < WRITES; i++) {
                cluster.awaitApplied(applied(leader));
                Response ack =
                        leader.raft().submit(new Command.Probe("quiet-" + i)).get(30, TimeUnit.SECONDS);
                assertThat(ack).isEqualTo(new Response.Ack());
                long index = applied(leader);
                await("followers applying entry " + index)
                        .atMost(APPLIED_WITHIN)
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> followers.stream().allMatch(f -> applied(f) >= index));
            }
            // One entry each: the leader appended none of its own to announce the commits.
            assertThat(logNext(leader) - logBefore).isEqualTo(WRITES);
        }
    }

    private static long logNext(Coordinator member) throws Exception {
        RaftNode raft = member.raft();
        return raft.server().getDivision(raft.groupId()).getRaftLog().getNextIndex();
    }

    private static long applied(Coordinator member) {
        return member.stateMachine().getLastAppliedTermIndex().getIndex();
    }
}
