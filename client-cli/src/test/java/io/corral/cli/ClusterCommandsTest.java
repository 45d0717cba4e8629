package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.codec.Json;
import java.util.List;
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

    @Test
    void statusTableHasOneRowPerMember() {
        FakeCluster cluster = new FakeCluster().on(Request.GetClusterStatus.class, r -> status());

        CliRunner.Result result = CliRunner.run(cluster, "cluster", "status");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .startsWith("LEADER  n1")
                .contains("ID  RAFT     RPC      ROLE    TERM  COMMIT  APPLIED  SNAPSHOT  REACHABLE  ERROR")
                .contains("n1  h1:9100  h1:7000  LEADER  3     120     120      100       yes        -")
                .contains(
                        "n2  h2:9100  h2:7000  -       -     -       -        -         no         connection refused");
    }

    @Test
    void statusJsonHasLeaderAndMembers() throws Exception {
        FakeCluster cluster = new FakeCluster().on(Request.GetClusterStatus.class, r -> status());

        JsonNode json = Json.mapper()
                .readTree(CliRunner.run(cluster, "cluster", "status", "-o", "json")
                        .out());

        assertThat(json.get("leaderId").asText()).isEqualTo("n1");
        assertThat(json.get("members")).hasSize(2);
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
}
