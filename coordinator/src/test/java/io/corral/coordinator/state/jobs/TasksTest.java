package io.corral.coordinator.state.jobs;

import static io.corral.coordinator.state.jobs.JobTestSupport.driveTo;
import static io.corral.coordinator.state.jobs.JobTestSupport.move;
import static io.corral.coordinator.state.jobs.JobTestSupport.submit;
import static io.corral.coordinator.state.jobs.JobTestSupport.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.kv.FakeKv;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.JobState;
import io.corral.protocol.TaskState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TasksTest {
    static Stream<Arguments> legalTransitions() {
        List<Arguments> out = new ArrayList<>();
        for (TaskState from : TaskState.values()) {
            for (TaskState to : from.successors()) {
                out.add(Arguments.of(from, to));
            }
        }
        return out.stream();
    }

    /** Every legal move keeps the task, its job, the indexes and the counters in step (checked by the invariants). */
    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("legalTransitions")
    void everyLegalTransitionKeepsTheStateConsistent(TaskState from, TaskState to) {
        CoreHarness h = new CoreHarness();
        long seq = submit(h, 3, 2);
        driveTo(h, seq, 0, from);
        TaskRecord moved = move(h, seq, 0, to);
        assertThat(moved.state()).isEqualTo(to);
        assertThat(task(h, seq, 0).state()).isEqualTo(to);
        JobRecord job = Tasks.job(h.kv, seq);
        assertThat(job.count(to)).isEqualTo(to == TaskState.PENDING ? 2 : 1);
        assertThat(h.kv.get(Space.PENDING, JobKeys.pending(3, seq, 0)) != null).isEqualTo(to == TaskState.PENDING);
    }

    static Stream<Arguments> illegalTransitions() {
        return Stream.of(
                Arguments.of(TaskState.PENDING, TaskState.PENDING),
                Arguments.of(TaskState.PENDING, TaskState.SUCCEEDED),
                Arguments.of(TaskState.PENDING, TaskState.FAILED),
                Arguments.of(TaskState.PENDING, TaskState.DEAD),
                Arguments.of(TaskState.LEASED, TaskState.LEASED),
                Arguments.of(TaskState.SUCCEEDED, TaskState.PENDING),
                Arguments.of(TaskState.SUCCEEDED, TaskState.CANCELLED),
                Arguments.of(TaskState.FAILED, TaskState.LEASED),
                Arguments.of(TaskState.FAILED, TaskState.CANCELLED),
                Arguments.of(TaskState.DEAD, TaskState.SUCCEEDED),
                Arguments.of(TaskState.CANCELLED, TaskState.PENDING),
                Arguments.of(TaskState.CANCELLED, TaskState.LEASED));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("illegalTransitions")
    void illegalTransitionsThrowBeforeWriting(TaskState from, TaskState to) {
        CoreHarness h = new CoreHarness();
        long seq = submit(h, 0, 1);
        driveTo(h, seq, 0, from);
        FakeKv.Txn txn = h.kv.begin();
        TaskRecord task = task(h, seq, 0);
        assertThatThrownBy(() -> Tasks.transition(txn, h.nowMs(), task, to))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(from + " -> " + to);
        assertThat(txn.writes()).isZero();
    }

    @Test
    void aCallerHoldingAStaleTaskRecordIsABug() {
        CoreHarness h = new CoreHarness();
        long seq = submit(h, 0, 1);
        TaskRecord stale = task(h, seq, 0);
        move(h, seq, 0, TaskState.LEASED);
        FakeKv.Txn txn = h.kv.begin();
        assertThatThrownBy(() -> Tasks.transition(txn, h.nowMs(), stale, TaskState.LEASED))
                .isInstanceOf(IllegalStateException.class);
        assertThat(txn.writes()).isZero();
    }

    @Test
    void theCallersOtherChangesAreStoredWithTheMove() {
        CoreHarness h = new CoreHarness();
        long seq = submit(h, 0, 1);
        FakeKv.Txn txn = h.kv.begin();
        Tasks.transition(
                txn,
                h.nowMs(),
                task(h, seq, 0).withAttempts(1).withLease(new TaskLease("w", 9, h.nowMs(), h.nowMs() + 1000)),
                TaskState.LEASED);
        txn.commit();
        txn = h.kv.begin();
        Tasks.transition(txn, h.nowMs(), task(h, seq, 0).withError("corrupt JPEG"), TaskState.FAILED);
        txn.commit();
        assertThat(task(h, seq, 0).attempts()).isEqualTo(1);
        assertThat(task(h, seq, 0).error()).isEqualTo("corrupt JPEG");
        assertThat(task(h, seq, 0).view().error()).isEqualTo("corrupt JPEG");
    }

    @Test
    void theJobStateFollowsItsTasksAndIsFiledWhenItFinishes() {
        CoreHarness h = new CoreHarness();
        long seq = submit(h, 0, 2);
        assertThat(Tasks.job(h.kv, seq).state()).isEqualTo(JobState.PENDING);
        move(h, seq, 0, TaskState.LEASED);
        assertThat(Tasks.job(h.kv, seq).state()).isEqualTo(JobState.LEASED);
        move(h, seq, 0, TaskState.SUCCEEDED);
        assertThat(Tasks.job(h.kv, seq).state()).isEqualTo(JobState.LEASED);
        move(h, seq, 1, TaskState.LEASED);
        h.advance(500);
        move(h, seq, 1, TaskState.FAILED);
        JobRecord failed = Tasks.job(h.kv, seq);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.finishedAtMs()).isEqualTo(h.nowMs());
        assertThat(h.kv.get(Space.JOBS_FINISHED, JobKeys.finished(h.nowMs(), seq)))
                .isNotNull();
        assertThat(h.core.counters(h.kv).jobs()).containsEntry(JobState.FAILED, 1L);

        // A retry makes the job live again: it leaves the collectable index and its finish time is cleared.
        move(h, seq, 1, TaskState.PENDING);
        JobRecord retried = Tasks.job(h.kv, seq);
        assertThat(retried.state()).isEqualTo(JobState.LEASED);
        assertThat(retried.finishedAtMs()).isZero();
        assertThat(h.kv.size(Space.JOBS_FINISHED)).isZero();
        move(h, seq, 1, TaskState.LEASED);
        move(h, seq, 1, TaskState.DEAD);
        assertThat(Tasks.job(h.kv, seq).state()).isEqualTo(JobState.DEAD);
        assertThat(h.core.counters(h.kv).jobs())
                .containsEntry(JobState.DEAD, 1L)
                .containsEntry(JobState.FAILED, 0L);
        assertThat(h.core.counters(h.kv).tasks())
                .isEqualTo(Map.of(
                        TaskState.PENDING, 0L,
                        TaskState.LEASED, 0L,
                        TaskState.SUCCEEDED, 1L,
                        TaskState.FAILED, 0L,
                        TaskState.DEAD, 1L,
                        TaskState.CANCELLED, 0L));
    }
}
