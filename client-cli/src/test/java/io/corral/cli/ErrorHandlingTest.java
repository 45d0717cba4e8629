package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Request;
import io.corral.protocol.codec.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorHandlingTest {

    @Test
    void missingCoordinatorsIsAClearUsageError() throws Exception {
        FakeCluster cluster = new FakeCluster();

        CliRunner.Result result = CliRunner.run(Map.of(), cluster, "status", "job-1", "-o", "json");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--coordinators").contains("CORRAL_COORDINATORS");
        assertThat(Json.mapper().readTree(result.out()).get("error").get("code").asText())
                .isEqualTo("USAGE");
        assertThat(cluster.connections).isEmpty();
    }

    @Test
    void coordinatorsComeFromTheOptionBeforeTheEnvironment() {
        FakeCluster cluster = new FakeCluster().on(Request.CancelJob.class, r -> new io.corral.protocol.Response.Ack());

        CliRunner.run(Map.of(Main.COORDINATORS_ENV, "env:1"), cluster, "cancel", "j");
        CliRunner.run(Map.of(Main.COORDINATORS_ENV, "env:1"), cluster, "--coordinators", "a:1,b:2", "cancel", "j");
        CliRunner.run(Map.of(), cluster, "cancel", "j", "--coordinators", "c:3", "--timeout", "2s");

        assertThat(cluster.connections)
                .extracting(ClusterSession.Settings::coordinators)
                .containsExactly("env:1", "a:1,b:2", "c:3");
        assertThat(cluster.connections.get(0).requestTimeoutMs()).isEqualTo(30_000);
        assertThat(cluster.connections.get(2).requestTimeoutMs()).isEqualTo(2_000);
        assertThat(cluster.connections.get(2).connectTimeoutMs()).isEqualTo(2_000);
        assertThat(cluster.connections.get(0).connectTimeoutMs()).isEqualTo(Main.MAX_CONNECT_TIMEOUT_MS);
    }

    @Test
    void commandsThatWriteMoveToTheLeaderAndReadsStayWhereTheyConnect() {
        FakeCluster cluster = new FakeCluster();
        List.of(
                        Request.CancelJob.class,
                        Request.RetryTasks.class,
                        Request.AcquireLock.class,
                        Request.ReleaseLock.class,
                        Request.RenewLock.class,
                        Request.GetJob.class,
                        Request.ListJobs.class)
                .forEach(type -> cluster.fail(type, ErrorCode.NOT_FOUND, "none"));
        Map<String, String> env = Map.of(Main.COORDINATORS_ENV, "a:1,b:2");

        CliRunner.run(env, cluster, "cancel", "job-1");
        CliRunner.run(env, cluster, "retry", "job-1");
        CliRunner.run(env, cluster, "lock", "acquire", "l", "--ttl", "10s");
        CliRunner.run(env, cluster, "lock", "release", "l", "--token", "3");
        CliRunner.run(env, cluster, "lock", "renew", "l", "--token", "3");
        CliRunner.run(env, cluster, "status", "job-1");
        CliRunner.run(env, cluster, "status", "job-1", "--stale");
        CliRunner.run(env, cluster, "list");

        assertThat(cluster.connections)
                .extracting(ClusterSession.Settings::followLeader)
                .containsExactly(true, true, true, true, true, false, false, false);
        assertThat(cluster.connections.get(0).toString()).contains("followLeader=true");
    }

    @Test
    void clusterErrorsMapToExitCodesWithOneLineOnStderr() {
        Map<ErrorCode, Integer> cases = Map.of(
                ErrorCode.NOT_FOUND, 3,
                ErrorCode.UNAVAILABLE, 4,
                ErrorCode.TIMEOUT, 4,
                ErrorCode.CONFLICT, 1,
                ErrorCode.BAD_REQUEST, 2);
        cases.forEach((code, exit) -> {
            FakeCluster cluster = new FakeCluster().fail(Request.CancelJob.class, code, "it went " + code);
            CliRunner.Result result = CliRunner.run(cluster, "cancel", "job-1");
            assertThat(result.exitCode()).as(code.name()).isEqualTo(exit);
            assertThat(result.err()).isEqualTo("corral: it went " + code + System.lineSeparator());
            assertThat(result.out()).isEmpty();
        });
    }

    @Test
    void jsonModeAlsoPrintsTheErrorAsJsonOnStdout() throws Exception {
        FakeCluster cluster = new FakeCluster().fail(Request.GetJob.class, ErrorCode.NOT_FOUND, "no job 'x'");

        CliRunner.Result result = CliRunner.run(cluster, "--output=json", "status", "x");

        assertThat(result.exitCode()).isEqualTo(3);
        JsonNode error = Json.mapper().readTree(result.out()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("NOT_FOUND");
        assertThat(error.get("message").asText()).isEqualTo("no job 'x'");
    }

    @Test
    void parseErrorsInJsonModeAreJsonToo() throws Exception {
        CliRunner.Result result = CliRunner.run(new FakeCluster(), "-o", "json", "list", "--limit", "many");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).startsWith("corral: ").contains("--limit").contains("Try 'corral list --help'");
        assertThat(Json.mapper().readTree(result.out()).get("error").get("code").asText())
                .isEqualTo("USAGE");
    }

    @Test
    void anUnknownCommandSuggestsTheNearestOne() {
        CliRunner.Result result = CliRunner.run(new FakeCluster(), "stauts", "job-1");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("status");
    }

    @Test
    void aBugIsReportedWithoutAStackTrace() {
        FakeCluster cluster = new FakeCluster().on(Request.CancelJob.class, r -> {
            throw new IllegalStateException("boom");
        });

        CliRunner.Result result = CliRunner.run(cluster, "cancel", "job-1");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err())
                .contains("corral: unexpected error")
                .contains("boom")
                .doesNotContain("\tat ");
        assertThat(cluster.closed).isEqualTo(1);
    }

    @Test
    void jsonRequestedIsReadFromRawArguments() {
        assertThat(Main.jsonRequested(new String[] {"-o", "JSON"})).isTrue();
        assertThat(Main.jsonRequested(new String[] {"--output=json"})).isTrue();
        assertThat(Main.jsonRequested(new String[] {"-ojson"})).isTrue();
        assertThat(Main.jsonRequested(new String[] {"--output", "table"})).isFalse();
        assertThat(Main.jsonRequested(new String[] {"status", "json"})).isFalse();
    }
}
