package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.protocol.JobState;
import io.corral.protocol.JobSummary;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.UnreachableMember;
import io.corral.protocol.WorkerView;
import io.corral.protocol.codec.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code corral bench}: argument checks, refusals and the report, against a fake cluster (no timing measured). */
class BenchCommandsTest {
    static final WorkerView WORKER =
            new WorkerView("w1", "n2", 2, 2, 0, List.of(), List.of(), 1_767_225_600_000L, 1_767_225_600_000L, false);

    static FakeCluster emptyCluster() {
        return new FakeCluster()
                .on(Request.ListWorkers.class, r -> new Response.WorkerList(List.of(), List.of()))
                .on(Request.ListJobs.class, r -> new Response.JobList(List.of()));
    }

    @Test
    void dispatchRefusesBadArgumentsBeforeConnecting() {
        FakeCluster cluster = emptyCluster();

        for (String[] args : List.of(
                new String[] {"bench", "dispatch", "--jobs", "0"},
                new String[] {"bench", "dispatch", "--jobs", "1000001"},
                new String[] {"bench", "dispatch", "--warmup", "-1"},
                new String[] {"bench", "dispatch", "--lease-timeout", "0ms"},
                new String[] {"bench", "dispatch", "--lease-timeout", "10"})) {
            CliRunner.Result r = CliRunner.run(cluster, args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", args)).startsWith("corral: ");
        }
        assertThat(CliRunner.run(cluster, "bench", "dispatch", "--jobs", "0").err())
                .contains("--jobs must be between 1 and 1000000, got 0");
        assertThat(cluster.connections).isEmpty();
    }

    @Test
    void dispatchRefusesWhenAWorkerIsConnected() {
        FakeCluster cluster =
                emptyCluster().on(Request.ListWorkers.class, r -> new Response.WorkerList(List.of(WORKER), List.of()));

        CliRunner.Result r = CliRunner.run(cluster, "bench", "dispatch", "-o", "json");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("refusing to benchmark dispatch", "1 worker(s) connected (w1 on n2)");
        assertThat(r.out()).contains("\"code\" : \"CONFLICT\"");
        assertThat(cluster.uploads).isEmpty();
    }

    @Test
    void dispatchRefusesWhenAMemberCannotSayWhichWorkersItHas() {
        FakeCluster cluster = emptyCluster()
                .on(
                        Request.ListWorkers.class,
                        r -> new Response.WorkerList(List.of(), List.of(new UnreachableMember("n3", "timed out"))));

        CliRunner.Result r = CliRunner.run(cluster, "bench", "dispatch");

        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.err()).contains("cannot tell whether workers are connected to n3 (timed out)");
    }

    @Test
    void dispatchRefusesWhileAJobIsUnfinished() {
        FakeCluster cluster = emptyCluster()
                .on(
                        Request.ListJobs.class,
                        r -> new Response.JobList(
                                r.state() == JobState.LEASED
                                        ? List.of(
                                                new JobSummary("job-7", JobState.LEASED, 0, 1, Map.of(), 1L, Map.of()))
                                        : List.of()));

        CliRunner.Result r = CliRunner.run(cluster, "bench", "dispatch");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("job-7 is LEASED", "offered their tasks");
        assertThat(cluster.uploads).isEmpty();
    }

    @Test
    void theReportHasEveryFigureInBothFormats() throws Exception {
        BenchCommands.Dispatch cmd = new BenchCommands.Dispatch();
        cmd.warmup = 5;
        List<DispatchBench.Sample> samples = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            // Submit i ms, dispatch 2i ms; the last lease arrives before its acknowledgement and counts as 0 ms, so the
            // sorted dispatch times are 0, 2, 4 ... 198.
            long sent = i * 1_000_000_000L;
            long ack = sent + i * 1_000_000L;
            long lease = i == 100 ? ack - 1_000 : ack + 2L * i * 1_000_000L;
            samples.add(new DispatchBench.Sample(sent, ack, lease));
        }

        Map<String, Object> report = cmd.report(samples, "bench-1", "n1 (LEADER)", "n2 (FOLLOWER)");

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        BenchCommands.Dispatch.print(
                new Output(new PrintWriter(out), new PrintWriter(err), Output.Format.TABLE), report);
        assertThat(out.toString())
                .contains("JOBS       100 measured, after 5 warm-up jobs")
                .contains("WORKER     bench-1 on n1 (LEADER)")
                .contains("TARGET     dispatch p99 under 10 ms: missed (196.000 ms)")
                .contains("MEASURE     FROM          TO            COUNT  P50_MS   P90_MS   P99_MS   MAX_MS")
                .contains("submit      send          acknowledged  100    50.000   90.000   99.000   100.000  50.500")
                .contains("dispatch    acknowledged  lease         100    98.000   178.000  196.000  198.000");
        assertThat(err.toString()).contains("1 lease(s) arrived before their submission's acknowledgement");

        StringWriter json = new StringWriter();
        BenchCommands.Dispatch.print(
                new Output(new PrintWriter(json), new PrintWriter(new StringWriter()), Output.Format.JSON), report);
        JsonNode doc = Json.mapper().readTree(json.toString());
        assertThat(doc.get("jobs").asInt()).isEqualTo(100);
        assertThat(doc.get("dispatchMs").get("count").asInt()).isEqualTo(100);
        assertThat(doc.get("dispatchMs").get("p99Ms").asDouble()).isEqualTo(196.0);
        assertThat(doc.get("endToEndMs").get("maxMs").asDouble()).isEqualTo(297.0);
        assertThat(doc.get("leaseBeforeAck").asInt()).isEqualTo(1);
        assertThat(doc.get("targetMet").asBoolean()).isFalse();
    }

    @Test
    void throughputRefusesBadArgumentsAndAClusterWithoutWorkers(@TempDir Path dir) throws Exception {
        Path image = TestImages.png(dir.resolve("a.png"));
        FakeCluster cluster = emptyCluster();

        CliRunner.Result badOp = CliRunner.run(cluster, "bench", "throughput", "--op", "rotate:45", image.toString());
        assertThat(badOp.exitCode()).isEqualTo(2);
        assertThat(badOp.err()).contains("rotate:45");

        CliRunner.Result notImage = CliRunner.run(
                cluster,
                "bench",
                "throughput",
                TestImages.text(dir.resolve("b.txt"), "x").toString());
        assertThat(notImage.exitCode()).isEqualTo(2);
        assertThat(cluster.connections).isEmpty();

        CliRunner.Result noWorker = CliRunner.run(cluster, "bench", "throughput", image.toString());
        assertThat(noWorker.exitCode()).isEqualTo(1);
        assertThat(noWorker.err()).contains("no active worker is connected");
        assertThat(cluster.uploads).isEmpty();
    }

    private static io.corral.protocol.MemberStatus member(String id, String rpc, String role, boolean reachable) {
        return new io.corral.protocol.MemberStatus(
                id, "raft", rpc, "http", role, 3, 10, 10, 0, "n1", reachable, reachable ? null : "down");
    }

    @Test
    void placementChoosesTheMembersByRole() {
        List<io.corral.protocol.MemberStatus> members = List.of(
                member("n1", "h:1", "LEADER", true),
                member("n2", "h:2", "FOLLOWER", true),
                member("n3", "h:3", "FOLLOWER", true));
        BenchCommands.Dispatch cmd = new BenchCommands.Dispatch();
        assertThat(cmd.placed(members)).isNull();
        cmd.placement = "same";
        assertThat(cmd.placed(members)).containsExactly("h:2", "h:2");
        cmd.placement = "leader";
        assertThat(cmd.placed(members)).containsExactly("h:2", "h:1");
        cmd.placement = "other";
        assertThat(cmd.placed(members)).containsExactly("h:2", "h:3");

        List<io.corral.protocol.MemberStatus> oneDown = List.of(
                member("n1", "h:1", "LEADER", true),
                member("n2", "h:2", "FOLLOWER", true),
                member("n3", "h:3", "FOLLOWER", false));
        CliException e = org.junit.jupiter.api.Assertions.assertThrows(CliException.class, () -> cmd.placed(oneDown));
        assertThat(e.exitCode()).isEqualTo(4);
        assertThat(e.getMessage()).contains("--placement other", "1");

        cmd.placement = "nearby";
        CliException bad = org.junit.jupiter.api.Assertions.assertThrows(CliException.class, cmd::validate);
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.getMessage()).contains("any, same, leader or other");
    }
}
