package io.corral.coordinator.state.jobs;

import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Checks;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.InvalidCommandException;
import io.corral.coordinator.state.blobs.Blobs;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Limits;
import io.corral.protocol.Response;
import io.corral.protocol.ops.InvalidOperationException;
import io.corral.protocol.ops.Operations;
import java.util.List;
import java.util.Map;

/** Checks of job commands that need no state. They run at the RPC edge and again in apply. */
public final class JobRules {
    private JobRules() {}

    /**
     * Validates a submission and returns its operations in canonical form (what the job stores).
     *
     * @throws InvalidCommandException naming the first rule the submission breaks
     */
    public static List<String> validate(Command.SubmitJob c, CoreLimits limits) {
        validateImages(c.images(), limits);
        List<String> operations;
        try {
            operations = Operations.canonicalize(c.operations() == null ? List.of() : c.operations());
        } catch (InvalidOperationException e) {
            throw Checks.bad(e.getMessage());
        }
        Checks.requireRange("priority", c.priority(), Limits.MIN_PRIORITY, Limits.MAX_PRIORITY);
        Checks.requireRange("maxAttempts", c.maxAttempts(), 1, Limits.MAX_ATTEMPTS);
        validateTaskTimeout(c.taskTimeoutMs());
        validateLabels(c.labels());
        if (c.idempotencyKey() != null && c.owner() == null) {
            Checks.requireText("idempotencyKey", c.idempotencyKey(), Limits.MAX_NAME_CHARS);
        } else if (c.idempotencyKey() != null) {
            // Follows the owner and a 0x00 in its key (JobKeys.idempotency): no control character, so no two keys
            // collide. Jobs without an owner keep the older rule, so entries written under it apply as they did.
            Checks.requireName("idempotencyKey", c.idempotencyKey(), Limits.MAX_NAME_CHARS);
        }
        return operations;
    }

    private static void validateImages(List<ImageRef> images, CoreLimits limits) {
        if (images == null || images.isEmpty()) {
            throw Checks.bad("a job needs at least one image");
        }
        if (images.size() > limits.maxImagesPerJob()) {
            throw new InvalidCommandException(
                    ErrorCode.TOO_LARGE, images.size() + " images; a job takes at most " + limits.maxImagesPerJob());
        }
        for (int i = 0; i < images.size(); i++) {
            ImageRef image = images.get(i);
            if (image == null) {
                throw Checks.bad("image " + i + " is missing");
            }
            Checks.requireText("image " + i + " name", image.name(), Limits.MAX_NAME_CHARS);
            Checks.requireSha256("image '" + Checks.abbreviate(image.name()) + "' sha256", image.sha256());
            Blobs.requireSize("image '" + Checks.abbreviate(image.name()) + "' size", image.size(), limits);
        }
    }

    /**
     * The refusal of {@code action} (cancel, retry) on {@code job} by {@code caller}, or null when the caller controls
     * the job's owner. The refusal does not name the owner.
     */
    public static Response.ErrorReply refusal(Caller caller, JobRecord job, String action) {
        if (caller.controls(job.owner())) {
            return null;
        }
        return new Response.ErrorReply(
                ErrorCode.PERMISSION_DENIED,
                job.id() + " is not a job of " + caller + "; only its owner or an admin may " + action + " it");
    }

    /** The refusal of reading {@code job} (or one of its tasks) by {@code caller}, or null when it may. */
    public static Response.ErrorReply readRefusal(Caller caller, JobRecord job) {
        if (caller.sees(job.owner())) {
            return null;
        }
        return new Response.ErrorReply(
                ErrorCode.PERMISSION_DENIED,
                job.id() + " is not a job of " + caller
                        + "; only its owner, an admin or a read-only token may read it");
    }

    /** 0 means "the worker's default"; anything else must be a bound a worker can keep. */
    private static void validateTaskTimeout(long taskTimeoutMs) {
        if (taskTimeoutMs != 0
                && (taskTimeoutMs < Limits.MIN_TASK_TIMEOUT_MS || taskTimeoutMs > Limits.MAX_TASK_TIMEOUT_MS)) {
            throw Checks.bad("taskTimeoutMs must be 0 (the worker's default) or between " + Limits.MIN_TASK_TIMEOUT_MS
                    + " and " + Limits.MAX_TASK_TIMEOUT_MS + " ms, got " + taskTimeoutMs);
        }
    }

    private static void validateLabels(Map<String, String> labels) {
        if (labels == null) {
            return;
        }
        if (labels.size() > Limits.MAX_LABELS_PER_JOB) {
            throw Checks.bad(labels.size() + " labels; a job takes at most " + Limits.MAX_LABELS_PER_JOB);
        }
        for (Map.Entry<String, String> label : labels.entrySet()) {
            Checks.requireText("label key", label.getKey(), Limits.MAX_LABEL_CHARS);
            Checks.requireText(
                    "label '" + Checks.abbreviate(label.getKey()) + "' value",
                    label.getValue(),
                    Limits.MAX_LABEL_CHARS);
        }
    }

    public static void validate(Command.CancelJob c) {
        Checks.requireText("jobId", c.jobId(), Limits.MAX_NAME_CHARS);
    }
}
