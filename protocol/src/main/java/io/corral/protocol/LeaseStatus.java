package io.corral.protocol;

/** A lease after a heartbeat: it lasts until {@code expiresAtMs} (leader time) unless extended again. */
public record LeaseStatus(String taskId, long token, long expiresAtMs) {}
