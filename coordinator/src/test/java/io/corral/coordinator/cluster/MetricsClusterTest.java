package io.corral.coordinator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.client.CorralClient;
import io.corral.client.ImageUpload;
import io.corral.coordinator.Coordinator;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} of real coordinators after real work: a job leased by a worker connected to the leader,
 * completed, then completed again with its now stale token. Checks which member reports what: replicated totals on
 * every member, latencies and worker gauges on the leader, stale refusals on the member that refused them.
 */
@Tag("cluster")
class MetricsClusterTest {
    @TempDir
    Path dir;

    @Test
    void everyMemberExportsTheStateTotalsAndTheLeaderItsLatenciesFollowersAndWorkers() throws Exception {
        // Slower elections than the other cluster tests: the assertions name the leader, which must not change.
        Map<String, String> settings = LocalCluster.testSettings();
        settings.put("raft.electionTimeoutMinMs", "2000");
        settings.put("raft.electionTimeoutMaxMs", "4000");
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("c"), 3, settings);
                CorralClient client = Clients.connect(cluster.rpcAddresses())) {
            Coordinator leader = cluster.leader();
            String leaderId = leader.raft().selfId();
            try (TestWorker worker = new TestWorker("w1", cluster.peer(leaderId).rpc()).register(2)) {
                ImageRef input = ImageUpload.upload(client, TestImages.png(dir, "in.png", 1, 40, 30), 50L << 20);
                FailoverClusterTest.submit(client, input, "job-m");
                LeaseGrant g = worker.nextOffer(10);
                assertThat(worker.complete(g, TestImages.png(dir, "out.png", 2, 20, 15)))
                        .isEqualTo(new Response.TaskUpdated(g.taskId(), TaskState.SUCCEEDED));
                assertThat(worker.complete(g, TestImages.png(dir, "late.png", 3, 20, 15)))
                        .isInstanceOfSatisfying(Response.ErrorReply.class, e -> assertThat(e.code())
                                .isEqualTo(ErrorCode.STALE_LEASE));
                leader.raft().takeSnapshot();
                cluster.awaitApplied(leader.raft().commitIndex());

                MetricsScrape onLeader = MetricsScrape.of(leader.httpAddress());
                assertThat(onLeader.value("corral_queue_wait_seconds_count")).isEqualTo(1);
                assertThat(onLeader.value("corral_dispatch_seconds_count")).isEqualTo(1);
                assertThat(onLeader.value("corral_stale_lease_refusals_total{type=\"CompleteTask\"}"))
                        .isEqualTo(1);
                assertThat(onLeader.value("corral_workers_connected")).isEqualTo(1);
                assertThat(onLeader.value("corral_workers_slots")).isEqualTo(2);
                assertThat(onLeader.value("corral_workers_slots_free")).isEqualTo(2);
                assertThat(onLeader.value("corral_workers_leases_held")).isZero();
                assertThat(onLeader.value("corral_raft_snapshot_last_timestamp_seconds"))
                        .isPositive();
                assertThat(onLeader.value("corral_raft_log_bytes")).isPositive();
                assertThat(onLeader.value("corral_store_sst_bytes")).isPositive();
                assertThat(onLeader.value("corral_data_dir_free_bytes")).isPositive();
                for (String follower : cluster.ids()) {
                    if (!follower.equals(leaderId)) {
                        String id = "{follower=\"" + follower + "\"}";
                        assertThat(onLeader.value("corral_raft_follower_match_index" + id))
                                .isPositive();
                        assertThat(onLeader.value("corral_raft_follower_lag_entries" + id))
                                .isNotNegative();
                        assertThat(onLeader.value("corral_raft_follower_last_contact_seconds" + id))
                                .isNotNegative();
                    }
                }
                for (Coordinator c : cluster.running()) {
                    everyMemberReportsTheReplicatedTotals(c, c == leader);
                }
            }
        }
    }

    private static void everyMemberReportsTheReplicatedTotals(Coordinator c, boolean leader) throws Exception {
        // Applied on every member: the same totals everywhere (and the same names, samples or not).
        await().atMost(Duration.ofSeconds(30))
                .until(() -> MetricsScrape.of(c.httpAddress()).value("corral_leases_granted_total") == 1);
        MetricsScrape m = MetricsScrape.of(c.httpAddress());
        assertThat(m.value("corral_task_attempts_ended_total{outcome=\"SUCCEEDED\"}"))
                .isEqualTo(1);
        assertThat(m.value("corral_task_attempts_ended_total{outcome=\"EXPIRED\"}"))
                .isZero();
        assertThat(m.value("corral_leases_expired_total")).isZero();
        assertThat(m.value("corral_tasks_dead_lettered_total")).isZero();
        assertThat(m.value("corral_raft_leader_changes_total")).isGreaterThanOrEqualTo(1);
        assertThat(m.value("corral_raft_elections_total")).isNotNegative();
        assertThat(m.value("corral_raft_log_start_index")).isNotNegative();
        assertThat(m.value("corral_jvm_heap_used_bytes")).isPositive();
        assertThat(m.value("corral_raft_has_leader")).isEqualTo(1);
        if (!leader) {
            assertThat(m.value("corral_queue_wait_seconds_count")).isZero();
            assertThat(m.hasSamples("corral_raft_follower_match_index")).isFalse();
            assertThat(m.value("corral_workers_connected")).isZero();
        }
        assertThat(m.names())
                .contains(
                        "corral_raft_follower_lag_entries",
                        "corral_queue_wait_seconds_bucket",
                        "corral_dispatch_seconds_sum",
                        "corral_stale_lease_refusals_total");
    }
}
