package io.corral.protocol;

/** One task as a client sees it. {@code error} is null unless the task failed or died. */
public record TaskView(
        String id, int index, String image, String sha256, long size, TaskState state, int attempts, String error) {}
