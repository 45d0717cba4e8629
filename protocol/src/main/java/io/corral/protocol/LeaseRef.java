package io.corral.protocol;

/** A lease as a worker names it: the task and the fencing token (Raft index of the grant) it holds it with. */
public record LeaseRef(String taskId, long token) {}
