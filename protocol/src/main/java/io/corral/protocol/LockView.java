package io.corral.protocol;

/** A held lock: its holder, the fencing token of the grant, and the number of acquirers queued behind it. */
public record LockView(
        String name, String owner, long token, long ttlMs, long acquiredAtMs, long expiresAtMs, int waiters) {}
