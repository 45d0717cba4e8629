package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.UnreachableMember;
import io.corral.protocol.WorkerView;
import io.corral.protocol.codec.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkersCommandTest {
    static Response.WorkerList workers() {
        return new Response.WorkerList(
                List.of(
                        new WorkerView(
                                "w1",
                                "n1",
                                4,
                                2,
                                2,
                                List.of("job-1.0", "job-1.1"),
                                List.of("gpu"),
                                1_767_225_600_000L,
                                1_767_225_610_000L,
                                false),
                        new WorkerView(
                                "w2",
                                "n2",
                                0,
                                0,
                                0,
                                List.of(),
                                List.of(),
                                1_767_225_600_000L,
                                1_767_225_605_000L,
                                true)),
                List.of(new UnreachableMember("n3", "connection refused")));
    }

    @Test
    void tableHasOneRowPerWorkerAndNamesUnreachableMembersOnStderr() {
        FakeCluster cluster = new FakeCluster().on(Request.ListWorkers.class, r -> workers());

        CliRunner.Result result = CliRunner.run(cluster, "workers");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .contains("WORKER  COORDINATOR  SLOTS  FREE  LEASES  TASKS            CAPABILITIES  CONNECTED")
                .contains(
                        "w1      n1           4      2     2       job-1.0,job-1.1  gpu           2026-01-01T00:00:00Z")
                .contains("2026-01-01T00:00:10Z  active")
                .contains("w2      n2           0      0     0       -                -")
                .contains("2026-01-01T00:00:05Z  draining");
        assertThat(result.err()).contains("coordinator n3 did not answer (connection refused)");
        assertThat(cluster.retried).containsExactly(new Request.ListWorkers());
    }

    @Test
    void jsonHasAWorkersArrayAndTheUnreachableMembers() throws Exception {
        FakeCluster cluster = new FakeCluster().on(Request.ListWorkers.class, r -> workers());

        JsonNode json = Json.mapper()
                .readTree(CliRunner.run(cluster, "workers", "--output", "json").out());

        assertThat(json.get("workers")).hasSize(2);
        JsonNode w1 = json.get("workers").get(0);
        assertThat(w1.get("workerId").asText()).isEqualTo("w1");
        assertThat(w1.get("coordinatorId").asText()).isEqualTo("n1");
        assertThat(w1.get("slots").asInt()).isEqualTo(4);
        assertThat(w1.get("freeSlots").asInt()).isEqualTo(2);
        assertThat(w1.get("leaseCount").asInt()).isEqualTo(2);
        assertThat(w1.get("leases").get(1).asText()).isEqualTo("job-1.1");
        assertThat(w1.get("lastHeartbeatMs").asLong()).isEqualTo(1_767_225_610_000L);
        assertThat(json.get("workers").get(1).get("draining").asBoolean()).isTrue();
        assertThat(json.get("unreachable").get(0).get("id").asText()).isEqualTo("n3");
    }

    @Test
    void noWorkersIsAnEmptyTableNotAnError() throws Exception {
        FakeCluster cluster =
                new FakeCluster().on(Request.ListWorkers.class, r -> new Response.WorkerList(List.of(), List.of()));

        CliRunner.Result result = CliRunner.run(cluster, "workers");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("WORKER");
        assertThat(result.err()).isEmpty();
        assertThat(Json.mapper()
                        .readTree(
                                CliRunner.run(cluster, "workers", "-o", "json").out())
                        .get("workers"))
                .isEmpty();
    }
}
