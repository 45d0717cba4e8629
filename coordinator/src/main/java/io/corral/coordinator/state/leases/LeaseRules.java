package io.corral.coordinator.state.leases;

import io.corral.coordinator.state.Checks;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreLimits;
import io.corral.protocol.Limits;
import java.util.List;

/** Checks of lease commands that need no state. They run at the RPC edge and again in apply. */
public final class LeaseRules {
    private LeaseRules() {}

    public static void validate(Command.LeaseTasks c) {
        validateWorker(c.workerId());
        Checks.requireRange("maxTasks", c.maxTasks(), 1, CoreLimits.MAX_TASKS_PER_LEASE);
        validateTtl(c.leaseTtlMs());
    }

    /** The grants riding on a submission: at least one, each valid, one per worker. */
    public static void validate(List<Command.LeaseTasks> leases) {
        if (leases == null || leases.isEmpty()) {
            throw Checks.bad("leases: a SubmitAndLease needs at least one LeaseTasks");
        }
        if (leases.size() > CoreLimits.MAX_WORKERS_PER_SUBMIT_LEASE) {
            throw Checks.bad("leases: " + leases.size() + " workers; at most " + CoreLimits.MAX_WORKERS_PER_SUBMIT_LEASE
                    + " are allowed");
        }
        java.util.Set<String> workers = new java.util.HashSet<>();
        for (Command.LeaseTasks lease : leases) {
            if (lease == null) {
                throw Checks.bad("leases: a LeaseTasks is missing");
            }
            validate(lease);
            if (!workers.add(lease.workerId())) {
                throw Checks.bad("leases: worker " + lease.workerId() + " is named twice");
            }
        }
    }

    public static void validate(Command.ExtendLeases c) {
        validateWorker(c.workerId());
        validateLeases(c.leases());
        validateTtl(c.leaseTtlMs());
    }

    public static void validate(Command.ReleaseLeases c) {
        validateWorker(c.workerId());
        validateLeases(c.leases());
    }

    public static void validate(Command.CompleteTask c) {
        if (c.workerId() != null) {
            validateWorker(c.workerId());
        }
        validateLease(c.taskId(), c.token());
        Checks.requireSha256("resultSha256", c.resultSha256());
        Checks.requireRange("resultSize", c.resultSize(), 1, CoreLimits.MAX_IMAGE_BYTES_BOUND);
    }

    public static void validate(Command.FailTask c) {
        if (c.workerId() != null) {
            validateWorker(c.workerId());
        }
        validateLease(c.taskId(), c.token());
        Checks.requireText("error", c.error(), CoreLimits.MAX_TASK_ERROR_CHARS);
        validateBackoff(c.backoffBaseMs(), c.backoffCapMs());
    }

    public static void validate(Command.ReportProgress c) {
        if (c.workerId() != null) {
            validateWorker(c.workerId());
        }
        validateLease(c.taskId(), c.token());
        Checks.requireRange("percent", c.percent(), 0, 100);
        if (c.message() != null && c.message().length() > CoreLimits.MAX_PROGRESS_MESSAGE_CHARS) {
            throw Checks.bad("message is " + c.message().length() + " characters; at most "
                    + CoreLimits.MAX_PROGRESS_MESSAGE_CHARS + " are allowed");
        }
    }

    public static void validate(Command.ExpireLease c) {
        validateLease(c.taskId(), c.token());
        validateBackoff(c.backoffBaseMs(), c.backoffCapMs());
    }

    public static void validate(Command.ExtendAllLeases c) {
        Checks.requireRange("graceMs", c.graceMs(), 1, CoreLimits.MAX_LEASE_GRACE_MS);
    }

    public static void validate(Command.RetryTasks c) {
        Checks.requireText("id", c.id(), Limits.MAX_NAME_CHARS);
    }

    /** Worker ids end up in WORKER_LEASES keys followed by a 0x00 separator, so they must be names. */
    public static void validateWorker(String workerId) {
        Checks.requireName("workerId", workerId, Limits.MAX_NAME_CHARS);
    }

    private static void validateTtl(long ttlMs) {
        Checks.requireRange("leaseTtlMs", ttlMs, CoreLimits.MIN_LEASE_TTL_MS, CoreLimits.MAX_LEASE_TTL_MS);
    }

    private static void validateLeases(List<Command.LeaseRef> leases) {
        if (leases == null) {
            throw Checks.bad("leases must be a list (it may be empty)");
        }
        if (leases.size() > CoreLimits.MAX_LEASES_PER_REQUEST) {
            throw Checks.bad(leases.size() + " leases; at most " + CoreLimits.MAX_LEASES_PER_REQUEST
                    + " are allowed in one request");
        }
        for (Command.LeaseRef lease : leases) {
            if (lease == null) {
                throw Checks.bad("leases must not contain null");
            }
            validateLease(lease.taskId(), lease.token());
        }
    }

    private static void validateLease(String taskId, long token) {
        Checks.requireText("taskId", taskId, Limits.MAX_NAME_CHARS);
        if (token < 1) {
            throw Checks.bad("token must be a positive Raft index, got " + token);
        }
    }

    /** A zero base means no backoff; the base may not exceed the cap. */
    private static void validateBackoff(long baseMs, long capMs) {
        Checks.requireRange("backoffCapMs", capMs, 0, CoreLimits.MAX_BACKOFF_MS);
        Checks.requireRange("backoffBaseMs", baseMs, 0, capMs);
    }
}
