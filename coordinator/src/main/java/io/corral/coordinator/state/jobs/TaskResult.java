package io.corral.coordinator.state.jobs;

/**
 * The committed result of a SUCCEEDED task: a sealed blob, referenced by the task until its job is collected.
 *
 * @param token the lease token whose holder committed it
 */
public record TaskResult(String sha256, long size, long token, String workerId) {}
