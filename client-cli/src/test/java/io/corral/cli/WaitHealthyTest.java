package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.codec.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code corral cluster wait-healthy} against a fake cluster whose answers change, on a clock that moves on pauses. */
class WaitHealthyTest {
    private final ResultsAndWaitTest.FakePacer pacer = new ResultsAndWaitTest.FakePacer();
    /** The answers of successive GetClusterStatus calls; the last one repeats. */
    private final Deque<Supplier<Response>> answers = new ArrayDeque<>();

    private final FakeCluster cluster = new FakeCluster().on(Request.GetClusterStatus.class, r -> {
        Supplier<Response> next = answers.size() > 1 ? answers.poll() : answers.peek();
        return next.get();
    });

    private CliRunner.Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(new Main(Map.of(Main.COORDINATORS_ENV, "fake:7000"), cluster, pacer, false));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRunner.Result(code, out.toString(), err.toString());
    }

    private void then(List<MemberStatus> members) {
        answers.add(() -> new Response.ClusterStatus("n1", members));
    }

    private void thenUnavailable() {
        answers.add(() -> {
            throw CliException.of(ErrorCode.UNAVAILABLE, "no coordinator reachable");
        });
    }

    private static List<MemberStatus> withDown(String id) {
        List<MemberStatus> members = new ArrayList<>(ClusterHealthTest.caughtUp(3));
        members.set(Integer.parseInt(id.substring(1)) - 1, ClusterHealthTest.down(id));
        return members;
    }

    @Test
    void waitsThroughAnUnreachableClusterAndAMissingMemberPrintingEachChangeOnce() {
        thenUnavailable();
        thenUnavailable();
        then(withDown("n3"));
        then(withDown("n3"));
        then(ClusterHealthTest.caughtUp(3));

        CliRunner.Result r = run("cluster", "wait-healthy", "--quorum-plus-one");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err().lines().toList())
                .containsExactly(
                        "waiting: no coordinator answered (no coordinator reachable)",
                        "waiting: leader n1 (term 5), 2 of 3 members healthy, 3 needed; n3 unreachable: connection"
                                + " refused");
        assertThat(r.out())
                .isEqualTo("healthy: leader n1 (term 5), 3 of 3 members healthy, 3 needed" + System.lineSeparator());
        assertThat(pacer.pauses).containsExactly(1_000L, 1_000L, 1_000L, 1_000L);
    }

    @Test
    void aMajorityIsEnoughWithoutTheFlag() {
        then(withDown("n3"));

        assertThat(run("cluster", "wait-healthy").exitCode()).isZero();
        assertThat(pacer.pauses).isEmpty();
    }

    @Test
    void timesOutWithExitCodeFourNamingWhatIsMissing() {
        then(withDown("n2"));

        CliRunner.Result r = run("cluster", "wait-healthy", "--quorum-plus-one", "--wait-timeout", "5s");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(r.err()).contains("corral: cluster not healthy after 5s: n2 unreachable: connection refused");
        assertThat(pacer.nowMs).isEqualTo(5_000);
    }

    @Test
    void jsonGivesTheVerdictOnStdoutAndTheErrorDocumentOnTimeout() throws Exception {
        then(ClusterHealthTest.caughtUp(5));

        JsonNode ok = Json.mapper()
                .readTree(run("cluster", "wait-healthy", "--quorum-plus-one", "-o", "json")
                        .out());
        assertThat(ok.get("healthy").asBoolean()).isTrue();
        assertThat(ok.get("leaderId").asText()).isEqualTo("n1");
        assertThat(ok.get("needed").asInt()).isEqualTo(4);
        assertThat(ok.get("healthyMembers").asInt()).isEqualTo(5);
        assertThat(ok.get("members")).hasSize(5);

        answers.clear();
        thenUnavailable();
        CliRunner.Result r = run("cluster", "wait-healthy", "--wait-timeout", "1s", "-o", "json");
        JsonNode error = Json.mapper().readTree(r.out()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("TIMEOUT");
        assertThat(error.get("message").asText()).startsWith("cluster not healthy after 1s: no coordinator answered");
    }

    @Test
    void badOptionsAreUsageErrors() {
        then(ClusterHealthTest.caughtUp(3));

        assertThat(run("cluster", "wait-healthy", "--max-lag", "-1").exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("cluster", "wait-healthy", "--wait-timeout", "10").exitCode())
                .isEqualTo(ExitCodes.USAGE);
    }
}
