package io.corral.cli;

import io.corral.protocol.ImageRef;
import io.corral.protocol.JobView;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.images.ImageSniffer;
import io.corral.protocol.ops.InvalidOperationException;
import io.corral.protocol.ops.Operations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral submit}: checks everything locally (operations, labels, that every file is an image), then uploads the
 * images and submits the job. A submission is either refused before any byte leaves the machine or sent with an
 * idempotency key, so the client's retries can never create two jobs.
 */
@Command(
        name = "submit",
        sortOptions = false,
        description = {
            "Uploads images and submits a job that runs the operations on each of them.",
            "Directories are walked recursively in sorted order; hidden files and directories are skipped.",
            "Every file must be an image (checked by its content): if any is not, nothing is uploaded or submitted.",
            "Prints the job id."
        },
        footer = {
            "%nOperations, applied in order:",
            "  resize:WxH[,fit|fill|force][,no-upscale]  thumbnail:N  crop:WxH+X+Y",
            "  rotate:90|180|270  auto-orient  flip:h|v  grayscale  blur:SIGMA  sharpen",
            "  watermark:TEXT[,POSITION]  format:jpeg|png|webp|gif|bmp|tiff[,q=N]",
            "  keep-metadata",
            "%nExample:",
            "  corral submit --op resize:800x600 --op format:webp,q=80 \\",
            "      --label team=web photos/"
        })
final class SubmitCommand extends BaseCommand {
    static final long DEFAULT_MAX_IMAGE_BYTES = 50L * 1024 * 1024;

    @Option(
            names = "--op",
            paramLabel = "OP",
            description = "An operation to run on every image; repeat for a pipeline. None: the images are stored"
                    + " as they are.")
    List<String> operations = new ArrayList<>();

    @Option(
            names = "--priority",
            paramLabel = "N",
            description =
                    "Higher runs first, from " + Limits.MIN_PRIORITY + " to " + Limits.MAX_PRIORITY + " (default: 0).")
    int priority = 0;

    @Option(
            names = "--max-attempts",
            paramLabel = "N",
            description = "Attempts per task before it is DEAD, from 1 to " + Limits.MAX_ATTEMPTS + " (default: 3).")
    int maxAttempts = 3;

    @Option(
            names = "--task-timeout",
            paramLabel = "DURATION",
            converter = Durations.Converter.class,
            description = "Bound on each task of the job, such as 90s or 10m, from 1s to 24h; a task past it fails and"
                    + " is retried while attempts remain (default: the worker's own, 5m unless configured).")
    Long taskTimeoutMs;

    @Option(
            names = "--idempotency-key",
            paramLabel = "KEY",
            description = {
                "Submitting again with the same key returns the first job instead of creating another.",
                "Without it a random key is generated, so the client's own retries (after a leader change or a lost"
                        + " reply) can never create two jobs."
            })
    String idempotencyKey;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label on the job; repeatable.")
    List<String> labels = new ArrayList<>();

    @Option(
            names = "--max-image-bytes",
            paramLabel = "BYTES",
            converter = ByteSizes.Converter.class,
            description = "Refuse files larger than this, such as 10MiB (default: 50MiB).")
    long maxImageBytes = DEFAULT_MAX_IMAGE_BYTES;

    @Option(
            names = "--wait",
            description = "Wait until the job is finished, showing its progress on stderr. Exit code 1 if it ends"
                    + " FAILED, DEAD or CANCELLED.")
    boolean await;

    @Option(
            names = "--wait-timeout",
            paramLabel = "DURATION",
            converter = Durations.Converter.class,
            description = "With --wait: give up (exit code 4) after this long; the job keeps running (default: no"
                    + " limit).")
    long waitTimeoutMs;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Implies --wait: then download the results into DIR, as 'corral results' does.")
    Path outDir;

    @Parameters(paramLabel = "FILE|DIR", arity = "1..*", description = "Images, or directories of images.")
    List<Path> paths = new ArrayList<>();

    @Override
    void run(Output out) throws IOException, InterruptedException {
        Request.SubmitJob draft = validate();
        List<ImageFiles.Candidate> files = ImageFiles.collect(paths);
        ImageFiles.check(files, maxImageBytes, ImageSniffer::detect);
        try (ClusterSession session = connectTowardLeader()) {
            List<ImageRef> images = new ArrayList<>(files.size());
            for (ImageFiles.Candidate file : files) {
                ImageRef stored = session.upload(file.path(), maxImageBytes);
                images.add(new ImageRef(file.name(), stored.sha256(), stored.size()));
            }
            Request.SubmitJob request = new Request.SubmitJob(
                    images,
                    draft.operations(),
                    draft.priority(),
                    draft.maxAttempts(),
                    draft.taskTimeoutMs(),
                    draft.labels(),
                    draft.idempotencyKey());
            Response.JobSubmitted submitted = session.callWithRetry(request, Response.JobSubmitted.class);
            Map<String, Object> body = body(submitted, images);
            if (!await && outDir == null) {
                print(out, submitted, body);
                return;
            }
            if (!out.json()) {
                // The id first, so a script or a person can follow the job even if the wait is interrupted.
                print(out, submitted, body);
            }
            waitThenSave(session, out, submitted.jobId(), body);
        }
    }

    /** {@code --wait} and {@code --out}: follow the job to its end, save what succeeded, set the exit code. */
    private void waitThenSave(ClusterSession session, Output out, String jobId, Map<String, Object> body)
            throws IOException, InterruptedException {
        JobView job = watch(session).await(jobId, waitTimeoutMs);
        body.put("state", job.state());
        if (outDir != null) {
            // Saved even when the job failed: the tasks that succeeded are worth having.
            body.put("results", ResultFiles.saveAll(session, job, outDir, out, false));
        }
        if (out.json()) {
            out.printJson(body);
        }
        String failure = JobWatch.failure(job);
        if (failure != null) {
            out.note(failure);
            exitCode = ExitCodes.FAILURE;
        }
    }

    /** Every check that needs neither the files nor the cluster; the result has no images yet. */
    Request.SubmitJob validate() {
        List<String> canonical;
        try {
            canonical = Operations.canonicalize(operations);
        } catch (InvalidOperationException e) {
            throw CliException.badInput("invalid --op " + e.getMessage());
        }
        if (priority < Limits.MIN_PRIORITY || priority > Limits.MAX_PRIORITY) {
            throw CliException.badInput(
                    "--priority " + priority + " is outside " + Limits.MIN_PRIORITY + ".." + Limits.MAX_PRIORITY);
        }
        if (maxAttempts < 1 || maxAttempts > Limits.MAX_ATTEMPTS) {
            throw CliException.badInput("--max-attempts " + maxAttempts + " is outside 1.." + Limits.MAX_ATTEMPTS);
        }
        // Absent means the worker's default (0 on the wire); an explicit 0s is refused rather than read as "default".
        if (taskTimeoutMs != null
                && (taskTimeoutMs < Limits.MIN_TASK_TIMEOUT_MS || taskTimeoutMs > Limits.MAX_TASK_TIMEOUT_MS)) {
            throw CliException.badInput("--task-timeout must be between " + Durations.format(Limits.MIN_TASK_TIMEOUT_MS)
                    + " and " + Durations.format(Limits.MAX_TASK_TIMEOUT_MS) + ", got "
                    + Durations.format(taskTimeoutMs));
        }
        if (waitTimeoutMs < 0) {
            throw CliException.badInput("--wait-timeout must not be negative");
        }
        if (outDir != null && Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw CliException.badInput("--out " + outDir + " exists and is not a directory");
        }
        if (maxImageBytes < 1) {
            throw CliException.badInput("--max-image-bytes must be at least 1");
        }
        Map<String, String> parsedLabels = Labels.parse(labels);
        String key = idempotencyKey == null ? UUID.randomUUID().toString() : idempotencyKey;
        if (key.isBlank() || key.length() > Limits.MAX_NAME_CHARS) {
            throw CliException.badInput(
                    "--idempotency-key must be 1 to " + Limits.MAX_NAME_CHARS + " characters, not blank");
        }
        long timeoutMs = taskTimeoutMs == null ? 0 : taskTimeoutMs;
        return new Request.SubmitJob(List.of(), canonical, priority, maxAttempts, timeoutMs, parsedLabels, key);
    }

    private static Map<String, Object> body(Response.JobSubmitted submitted, List<ImageRef> images) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", submitted.jobId());
        body.put("created", submitted.created());
        body.put("tasks", images.size());
        body.put("images", images);
        return body;
    }

    private static void print(Output out, Response.JobSubmitted submitted, Map<String, Object> body) {
        if (out.json()) {
            out.printJson(body);
            return;
        }
        if (!submitted.created()) {
            out.note("the idempotency key matches an earlier submission; its job is " + submitted.jobId());
        }
        out.line(submitted.jobId());
    }
}
