package io.corral.coordinator.state.jobs;

import io.corral.protocol.TaskState;
import io.corral.protocol.TaskView;

/**
 * One task: one image of a job ({@code Space.TASKS}). Change its state only through {@link Tasks}, which keeps the
 * job's counts and the indexes in step.
 *
 * @param jobSeq the job's seq
 * @param index position of the image in the submission
 * @param image the image's display name
 * @param attempts leases handed out so far
 * @param error why the task failed or died, else null
 */
public record TaskRecord(
        long jobSeq, int index, String image, String sha256, long size, TaskState state, int attempts, String error) {

    public String id() {
        return JobKeys.taskId(jobSeq, index);
    }

    public TaskRecord withState(TaskState next) {
        return new TaskRecord(jobSeq, index, image, sha256, size, next, attempts, error);
    }

    public TaskRecord withAttempts(int count) {
        return new TaskRecord(jobSeq, index, image, sha256, size, state, count, error);
    }

    public TaskRecord withError(String message) {
        return new TaskRecord(jobSeq, index, image, sha256, size, state, attempts, message);
    }

    public TaskView view() {
        return new TaskView(id(), index, image, sha256, size, state, attempts, error);
    }
}
