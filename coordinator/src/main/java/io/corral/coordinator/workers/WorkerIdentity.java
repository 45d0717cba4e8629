package io.corral.coordinator.workers;

import io.corral.auth.Principal;
import io.corral.auth.Role;
import java.util.Optional;

/**
 * Which worker ids a connection may register as (issue 11, docs/security.md). With authentication on, a worker's id
 * comes from its credential: a connection holding a worker token of tenant {@code render} (its name, unless the tokens
 * file gives it another tenant, as a rotated token does) may be worker {@code render} or {@code render.ANYTHING} (one
 * token for a fleet, whose members then trust each other), never another tenant's worker;
 * an admin may register any id. Without authentication there is nobody to tell apart, and any id goes. Pure.
 */
public final class WorkerIdentity {
    private WorkerIdentity() {}

    /** Why the connection of {@code principal} may not register as {@code workerId}, or null when it may. */
    public static String refusal(Optional<Principal> principal, String workerId) {
        if (principal.isEmpty() || principal.get().role() == Role.ADMIN) {
            return null;
        }
        String name = principal.get().tenant();
        if (workerId.equals(name) || workerId.startsWith(name + ".")) {
            return null;
        }
        return "the worker token '" + name + "' may register as worker '" + name + "' or '" + name
                + ".<anything>', not '" + workerId
                + "' (set the worker's id: corral-worker --id, or id: in its config)";
    }
}
