package io.corral.protocol;

/** One task as a client sees it. {@code error} is the last attempt's error, or null when no attempt failed. */
public record TaskView(
        String id, int index, String image, String sha256, long size, TaskState state, int attempts, String error) {}
