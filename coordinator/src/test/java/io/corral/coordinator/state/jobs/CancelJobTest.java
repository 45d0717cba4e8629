package io.corral.coordinator.state.jobs;

import static io.corral.coordinator.state.jobs.JobTestSupport.move;
import static io.corral.coordinator.state.jobs.JobTestSupport.submit;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.Applied;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.Event;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.AttemptOutcome;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.JobState;
import io.corral.protocol.JobView;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import io.corral.protocol.TaskView;
import org.junit.jupiter.api.Test;

class CancelJobTest {
    private static JobView detail(Response reply) {
        assertThat(reply).isInstanceOf(Response.JobDetail.class);
        return ((Response.JobDetail) reply).job();
    }

    @Test
    void unknownJobsAreNotFound() {
        CoreHarness h = new CoreHarness();
        long seq = submit(h, 0, 1);
        assertThat(h.refused(new Command.CancelJob("job-" + (seq + 100)), ErrorCode.NOT_FOUND))
                .contains("no job");
        assertThat(h.refused(new Command.CancelJob("nope"), ErrorCode.NOT_FOUND))
                .contains("'nope'");
        assertThat(h.refused(new Command.CancelJob("job-0" + seq), ErrorCode.NOT_FOUND))
                .contains("job-0");
        h.refused(new Command.CancelJob(" "), ErrorCode.BAD_REQUEST);
    }

    @Test
    void cancellingAPendingJobCancelsEveryTaskAndFinishesTheJob() {
        CoreHarness h = new CoreHarness();
        long seq = submit(h, 0, 3);
        h.advance(1234);
        JobView view = detail(h.reply(new Command.CancelJob(JobKeys.jobId(seq))));
        assertThat(view.state()).isEqualTo(JobState.CANCELLED);
        assertThat(view.cancelled()).isTrue();
        assertThat(view.finishedAtMs()).isEqualTo(h.nowMs());
        assertThat(view.tasks()).extracting(TaskView::state).containsOnly(TaskState.CANCELLED);
        assertThat(view.counts()).containsEntry(TaskState.CANCELLED, 3).containsEntry(TaskState.PENDING, 0);
        assertThat(h.kv.size(Space.PENDING)).isZero();
        assertThat(h.kv.get(Space.JOBS_FINISHED, JobKeys.finished(h.nowMs(), seq)))
                .isNotNull();
        assertThat(h.kv.get(Space.JOBS_BY_STATE, JobKeys.byState(JobState.CANCELLED, seq)))
                .isNotNull();

        assertThat(h.refused(new Command.CancelJob(JobKeys.jobId(seq)), ErrorCode.CONFLICT))
                .contains("already finished as CANCELLED");
    }

    @Test
    void leasedTasksAreRevokedAndTheJobEndsCancelledAtOnce() {
        CoreHarness h = new CoreHarness();
        long seq = submit(h, 0, 3);
        TaskRecord leased = move(h, seq, 1, TaskState.LEASED);
        Applied applied = h.apply(new Command.CancelJob(JobKeys.jobId(seq)));
        JobView view = detail(applied.reply());
        assertThat(view.cancelled()).isTrue();
        assertThat(view.state()).isEqualTo(JobState.CANCELLED);
        assertThat(view.finishedAtMs()).isEqualTo(h.nowMs());
        assertThat(view.tasks()).extracting(TaskView::state).containsOnly(TaskState.CANCELLED);
        assertThat(applied.events())
                .containsExactly(new Event.LeaseRevoked(
                        JobKeys.taskId(seq, 1), "w", leased.lease().token()));
        assertThat(h.kv.size(Space.LEASE_EXPIRY)).isZero();
        assertThat(h.kv.size(Space.WORKER_LEASES)).isZero();
        assertThat(TaskHistory.of(h.kv, seq, 1))
                .extracting(AttemptRecord::outcome)
                .containsExactly(AttemptOutcome.CANCELLED);
    }

    @Test
    void finishedJobsCannotBeCancelled() {
        CoreHarness h = new CoreHarness();
        long seq = submit(h, 0, 1);
        move(h, seq, 0, TaskState.LEASED);
        move(h, seq, 0, TaskState.SUCCEEDED);
        assertThat(h.refused(new Command.CancelJob(JobKeys.jobId(seq)), ErrorCode.CONFLICT))
                .contains("SUCCEEDED");
    }
}
