package io.corral.coordinator.state.jobs;

import static io.corral.coordinator.state.jobs.JobTestSupport.move;
import static io.corral.coordinator.state.jobs.JobTestSupport.submit;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.CoreHarness;
import io.corral.protocol.TaskState;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PendingQueueTest {
    @Test
    void higherPriorityFirstThenSubmissionOrderThenImageOrder() {
        CoreHarness h = new CoreHarness();
        long low = submit(h, -3, 1);
        long normalA = submit(h, 0, 2);
        long highA = submit(h, 5, 2);
        long normalB = submit(h, 0, 1);
        long highB = submit(h, 5, 1);
        assertThat(PendingQueue.peek(h.kv, 100))
                .containsExactly(
                        JobKeys.taskId(highA, 0),
                        JobKeys.taskId(highA, 1),
                        JobKeys.taskId(highB, 0),
                        JobKeys.taskId(normalA, 0),
                        JobKeys.taskId(normalA, 1),
                        JobKeys.taskId(normalB, 0),
                        JobKeys.taskId(low, 0));
        assertThat(PendingQueue.peek(h.kv, 2)).containsExactly(JobKeys.taskId(highA, 0), JobKeys.taskId(highA, 1));
        assertThat(PendingQueue.peek(h.kv, 0)).isEmpty();

        move(h, highA, 0, TaskState.LEASED);
        assertThat(PendingQueue.peek(h.kv, 1)).containsExactly(JobKeys.taskId(highA, 1));
        // A task that goes back to PENDING keeps its place: priority, then submission, not the time it returned.
        move(h, highA, 0, TaskState.PENDING);
        assertThat(PendingQueue.peek(h.kv, 1)).containsExactly(JobKeys.taskId(highA, 0));
    }

    @Test
    void invertedPriorityOrdersTheWholeIntRange() {
        int[] priorities = {Integer.MAX_VALUE, 1000, 1, 0, -1, -1000, Integer.MIN_VALUE};
        for (int i = 1; i < priorities.length; i++) {
            byte[] higher = JobKeys.pending(priorities[i - 1], 1, 0);
            byte[] lower = JobKeys.pending(priorities[i], 1, 0);
            assertThat(Arrays.compareUnsigned(higher, lower))
                    .as("%d before %d", priorities[i - 1], priorities[i])
                    .isNegative();
        }
        assertThat(Arrays.compareUnsigned(JobKeys.pending(0, 9, 0), JobKeys.pending(0, 10, 0)))
                .isNegative();
        assertThat(Arrays.compareUnsigned(JobKeys.pending(0, 9, 1), JobKeys.pending(0, 9, 2)))
                .isNegative();
    }
}
