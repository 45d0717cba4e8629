package io.corral.coordinator.state.locks;

import io.corral.coordinator.state.Checks;
import io.corral.coordinator.state.Command;
import io.corral.protocol.Limits;

/** Checks of lock commands that need no state. They run at the RPC edge and again in apply. */
public final class LockRules {
    private LockRules() {}

    public static void validate(Command.AcquireLock c) {
        validateName(c.name());
        Checks.requireText("owner", c.owner(), Limits.MAX_NAME_CHARS);
        Checks.requireRange("ttlMs", c.ttlMs(), Limits.MIN_LOCK_TTL_MS, Limits.MAX_LOCK_TTL_MS);
        Checks.requireRange("waitMs", c.waitMs(), 0, Limits.MAX_LOCK_WAIT_MS);
    }

    /** Release, renew and expire name a lock and a token. */
    public static void validate(String name, long token) {
        validateName(name);
        if (token < 1) {
            throw Checks.bad("token must be a positive Raft index, got " + token);
        }
    }

    public static void validateName(String name) {
        Checks.requireName("lock name", name, Limits.MAX_NAME_CHARS);
    }
}
