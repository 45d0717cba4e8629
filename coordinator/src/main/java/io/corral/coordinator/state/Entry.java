package io.corral.coordinator.state;

/**
 * What one Raft log entry holds: the command, stamped with the leader's clock when the leader accepted it. Replicas
 * never read their own clock while applying.
 */
public record Entry(long nowMs, Command command) {}
