package io.corral.protocol;

/**
 * A lease the worker named but no longer holds (expired, revoked, completed, or given to another worker): the worker
 * must abort the task; any report with this token is refused with {@link ErrorCode#STALE_LEASE}.
 */
public record StaleLease(String taskId, long token, String reason) {}
