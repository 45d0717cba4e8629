package io.corral.coordinator.state.jobs;

/** Progress reported by a lease holder: a percentage (0..100), a short message, and when it arrived. */
public record TaskProgress(int percent, String message, long reportedAtMs, long token) {}
