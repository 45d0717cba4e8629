package io.corral.coordinator.state.jobs;

import static io.corral.coordinator.state.jobs.JobTestSupport.move;
import static io.corral.coordinator.state.jobs.JobTestSupport.submit;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.CoreHarness;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.JobState;
import io.corral.protocol.JobSummary;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobQueriesTest {
    private static List<String> ids(Response reply) {
        assertThat(reply).isInstanceOf(Response.JobList.class);
        return ((Response.JobList) reply).jobs().stream().map(JobSummary::id).toList();
    }

    @Test
    void listsNewestFirstInNumericNotTextOrder() {
        CoreHarness h = new CoreHarness();
        h.skipIndexes(5);
        long a = submit(h, 0, 1); // index 7 (the upload takes 6)
        long b = submit(h, 0, 1);
        h.skipIndexes(80);
        long c = submit(h, 0, 1);
        assertThat(a).isLessThan(10);
        assertThat(c).isGreaterThan(90);
        assertThat(ids(h.query(new Request.ListJobs(null, 10, false))))
                .containsExactly(JobKeys.jobId(c), JobKeys.jobId(b), JobKeys.jobId(a));
        assertThat(ids(h.query(new Request.ListJobs(null, 2, false))))
                .containsExactly(JobKeys.jobId(c), JobKeys.jobId(b));
    }

    @Test
    void filtersByState() {
        CoreHarness h = new CoreHarness();
        long a = submit(h, 0, 1);
        long b = submit(h, 0, 1);
        long c = submit(h, 0, 1);
        move(h, b, 0, TaskState.LEASED);
        move(h, b, 0, TaskState.SUCCEEDED);
        assertThat(ids(h.query(new Request.ListJobs(JobState.PENDING, 10, false))))
                .containsExactly(JobKeys.jobId(c), JobKeys.jobId(a));
        assertThat(ids(h.query(new Request.ListJobs(JobState.SUCCEEDED, 10, false))))
                .containsExactly(JobKeys.jobId(b));
        assertThat(ids(h.query(new Request.ListJobs(JobState.DEAD, 10, false)))).isEmpty();
        JobSummary summary = ((Response.JobList) h.query(new Request.ListJobs(JobState.SUCCEEDED, 1, false)))
                .jobs()
                .get(0);
        assertThat(summary.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(summary.tasks()).isEqualTo(1);
        assertThat(summary.counts()).containsEntry(TaskState.SUCCEEDED, 1);
    }

    @Test
    void pagesWithBeforeTheLastIdOfThePreviousPage() {
        CoreHarness h = new CoreHarness();
        long a = submit(h, 0, 1);
        long b = submit(h, 0, 1);
        long c = submit(h, 0, 1);
        move(h, b, 0, TaskState.LEASED);
        assertThat(ids(h.query(new Request.ListJobs(null, 2, false, JobKeys.jobId(c)))))
                .containsExactly(JobKeys.jobId(b), JobKeys.jobId(a));
        assertThat(ids(h.query(new Request.ListJobs(null, 2, false, JobKeys.jobId(a)))))
                .isEmpty();
        // A job that does not exist (collected, or never was) still pages by its position.
        assertThat(ids(h.query(new Request.ListJobs(null, 10, false, JobKeys.jobId(c + 1000)))))
                .containsExactly(JobKeys.jobId(c), JobKeys.jobId(b), JobKeys.jobId(a));
        assertThat(ids(h.query(new Request.ListJobs(JobState.PENDING, 10, false, JobKeys.jobId(c)))))
                .containsExactly(JobKeys.jobId(a));
        Response bad = h.query(new Request.ListJobs(null, 10, false, "yesterday"));
        assertThat(bad).isInstanceOfSatisfying(Response.ErrorReply.class, e -> assertThat(e.message())
                .contains("before must be a job id"));
    }

    @Test
    void limitsAreChecked() {
        CoreHarness h = new CoreHarness();
        for (int limit : new int[] {0, -1, Limits.MAX_LIST_LIMIT + 1}) {
            Response reply = h.query(new Request.ListJobs(null, limit, false));
            assertThat(reply).isInstanceOf(Response.ErrorReply.class);
            assertThat(((Response.ErrorReply) reply).code()).isEqualTo(ErrorCode.BAD_REQUEST);
        }
        assertThat(ids(h.query(new Request.ListJobs(null, Limits.MAX_LIST_LIMIT, false))))
                .isEmpty();
    }

    @Test
    void unknownOrMalformedJobIdsAreNotFound() {
        CoreHarness h = new CoreHarness();
        long a = submit(h, 0, 1);
        for (String id :
                new String[] {"job-" + (a + 1), "job-0" + a, "job-+" + a, "job-", "task", "job-99999999999999999999"}) {
            Response reply = h.query(new Request.GetJob(id, false));
            assertThat(reply).as(id).isEqualTo(new Response.ErrorReply(ErrorCode.NOT_FOUND, "no job '" + id + "'"));
        }
        Response blank = h.query(new Request.GetJob("", false));
        assertThat(((Response.ErrorReply) blank).code()).isEqualTo(ErrorCode.BAD_REQUEST);
    }

    @Test
    void taskIdsParseOnlyInCanonicalForm() {
        assertThat(JobKeys.parseTaskId("job-12.3")).isEqualTo(new JobKeys.TaskRef(12, 3));
        assertThat(JobKeys.parseTaskId("job-12.03")).isNull();
        assertThat(JobKeys.parseTaskId("job-12")).isNull();
        assertThat(JobKeys.parseTaskId("job-12.-1")).isNull();
        assertThat(JobKeys.parseTaskId(null)).isNull();
    }
}
