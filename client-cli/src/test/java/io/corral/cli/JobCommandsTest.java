package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.protocol.AttemptOutcome;
import io.corral.protocol.AttemptView;
import io.corral.protocol.JobState;
import io.corral.protocol.JobSummary;
import io.corral.protocol.JobView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskResultView;
import io.corral.protocol.TaskState;
import io.corral.protocol.TaskView;
import io.corral.protocol.codec.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobCommandsTest {
    static final long SUBMITTED_MS = 1_714_564_800_000L;

    static JobView job() {
        return job(90_000);
    }

    static JobView job(long taskTimeoutMs) {
        return new JobView(
                "job-1",
                JobState.LEASED,
                5,
                3,
                taskTimeoutMs,
                List.of("resize:800x600,fit"),
                Map.of("team", "web"),
                "key-1",
                SUBMITTED_MS,
                0,
                false,
                Map.of(TaskState.SUCCEEDED, 1, TaskState.FAILED, 1, TaskState.LEASED, 1),
                List.of(
                        new TaskView(
                                "job-1/0",
                                0,
                                "a.png",
                                "aa",
                                10,
                                TaskState.SUCCEEDED,
                                1,
                                null,
                                "w1",
                                100,
                                "done",
                                new TaskResultView("r0", 7)),
                        new TaskView(
                                "job-1/1",
                                1,
                                "b.png",
                                "bb",
                                20,
                                TaskState.FAILED,
                                2,
                                "cannot decode",
                                null,
                                -1,
                                null,
                                null),
                        new TaskView(
                                "job-1/2",
                                2,
                                "sub/c.png",
                                "cc",
                                30,
                                TaskState.LEASED,
                                1,
                                null,
                                "w2",
                                40,
                                "resizing",
                                null)),
                "ci");
    }

    @Test
    void statusTableShowsTheJobThenOneRowPerTask() {
        FakeCluster cluster = new FakeCluster().on(Request.GetJob.class, r -> new Response.JobDetail(job()));

        CliRunner.Result result = CliRunner.run(cluster, "status", "job-1");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out())
                .contains("JOB           job-1")
                .contains("STATE         LEASED")
                .contains("PRIORITY      5")
                .contains("MAX ATTEMPTS  3")
                .contains("TASK TIMEOUT  1m30s")
                .contains("OWNER         ci")
                .contains("SUBMITTED     2024-05-01T12:00:00Z")
                .contains("TASKS         3 (1 LEASED, 1 SUCCEEDED, 1 FAILED)")
                .contains("TASK     IMAGE      STATE      ATTEMPTS  WORKER  PROGRESS      ERROR")
                .contains("job-1/0  a.png      SUCCEEDED  1         w1      -             -")
                .contains("job-1/1  b.png      FAILED     2         -       -             cannot decode")
                .contains("job-1/2  sub/c.png  LEASED     1         w2      40% resizing  -");
        assertThat(cluster.retried).containsExactly(new Request.GetJob("job-1", false));
        assertThat(cluster.closed).isEqualTo(1);
    }

    /** A cluster without authentication records no owner: the line is left out rather than shown empty. */
    @Test
    void statusOfAJobWithoutAnOwnerHasNoOwnerLine() {
        JobView j = job();
        JobView unowned = new JobView(
                j.id(),
                j.state(),
                j.priority(),
                j.maxAttempts(),
                j.taskTimeoutMs(),
                j.operations(),
                j.labels(),
                j.idempotencyKey(),
                j.submittedAtMs(),
                j.finishedAtMs(),
                j.cancelled(),
                j.counts(),
                j.tasks(),
                null);
        FakeCluster cluster = new FakeCluster().on(Request.GetJob.class, r -> new Response.JobDetail(unowned));

        CliRunner.Result result = CliRunner.run(cluster, "status", "job-1");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("JOB           job-1").doesNotContain("OWNER");
    }

    @Test
    void statusJsonIsTheJobViewAndStaleIsPassedOn() throws Exception {
        FakeCluster cluster = new FakeCluster().on(Request.GetJob.class, r -> new Response.JobDetail(job()));

        CliRunner.Result result = CliRunner.run(cluster, "status", "job-1", "--stale", "--output", "json");

        assertThat(result.exitCode()).isZero();
        JsonNode json = Json.mapper().readTree(result.out());
        assertThat(json.get("id").asText()).isEqualTo("job-1");
        assertThat(json.get("state").asText()).isEqualTo("LEASED");
        assertThat(json.get("submittedAtMs").asLong()).isEqualTo(SUBMITTED_MS);
        assertThat(json.get("taskTimeoutMs").asLong()).isEqualTo(90_000);
        assertThat(json.get("tasks")).hasSize(3);
        assertThat(json.get("tasks").get(1).get("id").asText()).isEqualTo("job-1/1");
        assertThat(json.get("tasks").get(1).get("state").asText()).isEqualTo("FAILED");
        assertThat(json.get("tasks").get(1).get("attempts").asInt()).isEqualTo(2);
        assertThat(json.get("tasks").get(1).get("result").isNull()).isTrue();
        JsonNode done = json.get("tasks").get(0);
        assertThat(done.get("result").get("sha256").asText()).isEqualTo("r0");
        assertThat(done.get("result").get("size").asLong()).isEqualTo(7);
        assertThat(done.get("worker").asText()).isEqualTo("w1");
        assertThat(cluster.requests).containsExactly(new Request.GetJob("job-1", true));
    }

    @Test
    void statusOmitsTheTaskTimeoutOfAJobThatLeftItToTheWorkers() throws Exception {
        FakeCluster cluster = new FakeCluster().on(Request.GetJob.class, r -> new Response.JobDetail(job(0)));

        CliRunner.Result table = CliRunner.run(cluster, "status", "job-1");
        CliRunner.Result json = CliRunner.run(cluster, "status", "job-1", "-o", "json");

        assertThat(table.exitCode()).isZero();
        assertThat(table.out()).contains("MAX ATTEMPTS  3").doesNotContain("TASK TIMEOUT");
        assertThat(Json.mapper().readTree(json.out()).get("taskTimeoutMs").asLong())
                .isZero();
    }

    @Test
    void statusOfATaskShowsItsLeaseResultAndEveryAttempt() throws Exception {
        TaskView done = new TaskView(
                "job-1.0",
                0,
                "a.png",
                "aa",
                10,
                TaskState.SUCCEEDED,
                2,
                null,
                "w2",
                100,
                "done",
                new TaskResultView("r0", 7));
        Response.TaskDetail detail = new Response.TaskDetail(
                "job-1",
                done,
                3,
                0,
                0,
                4_801,
                List.of(
                        new AttemptView(
                                "w1",
                                4_711,
                                SUBMITTED_MS,
                                SUBMITTED_MS + 30_000,
                                AttemptOutcome.EXPIRED,
                                "lease expired"),
                        new AttemptView(
                                "w2",
                                4_801,
                                SUBMITTED_MS + 31_000,
                                SUBMITTED_MS + 32_000,
                                AttemptOutcome.SUCCEEDED,
                                null)));
        FakeCluster cluster = new FakeCluster().on(Request.GetTask.class, r -> detail);

        CliRunner.Result table = CliRunner.run(cluster, "status", "job-1.0");
        CliRunner.Result json = CliRunner.run(cluster, "status", "job-1.0", "--stale", "-o", "json");

        assertThat(table.exitCode()).isZero();
        assertThat(table.out())
                .contains("TASK      job-1.0")
                .contains("JOB       job-1")
                .contains("ATTEMPTS  2 of 3")
                .contains("RESULT    7 bytes, sha256 r0, token 4801")
                .contains("TOKEN  WORKER  STARTED               ENDED                 OUTCOME    ERROR")
                .contains("4711   w1      2024-05-01T12:00:00Z  2024-05-01T12:00:30Z  EXPIRED    lease expired")
                .contains("4801   w2      2024-05-01T12:00:31Z  2024-05-01T12:00:32Z  SUCCEEDED  -");
        JsonNode view = Json.mapper().readTree(json.out());
        assertThat(view.get("resultToken").asLong()).isEqualTo(4_801);
        assertThat(view.get("attempts").get(0).get("outcome").asText()).isEqualTo("EXPIRED");
        assertThat(cluster.requests)
                .containsExactly(new Request.GetTask("job-1.0", false), new Request.GetTask("job-1.0", true));
    }

    /** With tokens, jobs have owners: an admin's or a reader's list shows whose each job is. */
    @Test
    void listShowsOwnersWhenJobsHaveThem() {
        JobSummary alices = new JobSummary(
                "job-2", JobState.PENDING, 0, 1, Map.of(TaskState.PENDING, 1), SUBMITTED_MS, Map.of(), "alice");
        JobSummary unowned =
                new JobSummary("job-1", JobState.DEAD, 0, 2, Map.of(TaskState.DEAD, 2), SUBMITTED_MS, Map.of());
        FakeCluster cluster =
                new FakeCluster().on(Request.ListJobs.class, r -> new Response.JobList(List.of(alices, unowned)));

        CliRunner.Result table = CliRunner.run(cluster, "list");

        assertThat(table.out())
                .startsWith("JOB    STATE    PRIORITY  TASKS  COUNTS     SUBMITTED             OWNER  LABELS")
                .contains("job-2  PENDING  0         1      1 PENDING  2024-05-01T12:00:00Z  alice  -")
                .contains("job-1  DEAD     0         2      2 DEAD     2024-05-01T12:00:00Z  -      -");
    }

    @Test
    void listPassesStateLimitAndStale() throws Exception {
        JobSummary summary =
                new JobSummary("job-1", JobState.DEAD, 0, 2, Map.of(TaskState.DEAD, 2), SUBMITTED_MS, Map.of());
        FakeCluster cluster = new FakeCluster().on(Request.ListJobs.class, r -> new Response.JobList(List.of(summary)));

        CliRunner.Result table = CliRunner.run(cluster, "list", "--state", "dead", "--limit", "10", "--stale");
        CliRunner.Result json = CliRunner.run(cluster, "list", "-o", "json");

        assertThat(table.exitCode()).isZero();
        assertThat(table.out())
                .startsWith("JOB    STATE  PRIORITY  TASKS  COUNTS  SUBMITTED             LABELS")
                .contains("job-1  DEAD   0         2      2 DEAD  2024-05-01T12:00:00Z  -");
        assertThat(cluster.requests)
                .containsExactly(new Request.ListJobs(JobState.DEAD, 10, true), new Request.ListJobs(null, 50, false));
        assertThat(Json.mapper()
                        .readTree(json.out())
                        .get("jobs")
                        .get(0)
                        .get("id")
                        .asText())
                .isEqualTo("job-1");
    }

    @Test
    void listLimitIsCheckedLocally() {
        FakeCluster cluster = new FakeCluster();
        CliRunner.Result result = CliRunner.run(cluster, "list", "--limit", "0");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--limit 0 is outside 1..");
        assertThat(cluster.connections).isEmpty();
    }

    @Test
    void unknownStateIsAUsageErrorListingTheStates() {
        CliRunner.Result result = CliRunner.run(new FakeCluster(), "list", "--state", "done");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("SUCCEEDED");
    }

    @Test
    void cancelIsSentOnceAndShowsWhatIsStillRunning() throws Exception {
        FakeCluster cluster = new FakeCluster().on(Request.CancelJob.class, r -> new Response.JobDetail(job()));

        CliRunner.Result table = CliRunner.run(cluster, "cancel", "job-1");
        CliRunner.Result json = CliRunner.run(cluster, "cancel", "job-1", "-o", "json");

        assertThat(table.exitCode()).isZero();
        assertThat(table.out())
                .isEqualTo("cancelled job-1: LEASED (1 running task will finish first)" + System.lineSeparator());
        JsonNode view = Json.mapper().readTree(json.out());
        assertThat(view.get("id").asText()).isEqualTo("job-1");
        assertThat(view.get("state").asText()).isEqualTo("LEASED");
        assertThat(cluster.retried).isEmpty();
        assertThat(cluster.requests).containsExactly(new Request.CancelJob("job-1"), new Request.CancelJob("job-1"));
    }

    @Test
    void cancelAlsoAcceptsAPlainAck() throws Exception {
        FakeCluster cluster = new FakeCluster().on(Request.CancelJob.class, r -> new Response.Ack());

        assertThat(CliRunner.run(cluster, "cancel", "job-1").out())
                .isEqualTo("cancelled job-1" + System.lineSeparator());
        JsonNode json = Json.mapper()
                .readTree(
                        CliRunner.run(cluster, "cancel", "job-1", "-o", "json").out());
        assertThat(json.get("id").asText()).isEqualTo("job-1");
        assertThat(json.get("cancelled").asBoolean()).isTrue();
    }
}
