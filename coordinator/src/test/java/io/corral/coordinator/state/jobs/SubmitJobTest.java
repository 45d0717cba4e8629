package io.corral.coordinator.state.jobs;

import static io.corral.coordinator.state.CoreHarness.job;
import static io.corral.coordinator.state.CoreHarness.png;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.Codec;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.StateCore;
import io.corral.coordinator.state.StateInvariants;
import io.corral.coordinator.state.blobs.BlobKeys;
import io.corral.coordinator.state.blobs.BlobRecord;
import io.corral.coordinator.state.blobs.Blobs;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobState;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SubmitJobTest {
    private static final String SHA = "ab".repeat(32);
    private static final ImageRef IMAGE = new ImageRef("a.png", SHA, 100);

    private static Command.SubmitJob valid() {
        return new Command.SubmitJob(List.of(IMAGE), List.of("thumbnail:64"), 0, 3, Map.of("k", "v"), "key-1");
    }

    private static Arguments bad(
            String name, ErrorCode code, String expected, UnaryOperator<Command.SubmitJob> change) {
        return Arguments.of(name, code, expected, change.apply(valid()));
    }

    private static Command.SubmitJob with(
            Command.SubmitJob c, List<ImageRef> images, List<String> ops, int priority, int attempts) {
        return new Command.SubmitJob(images, ops, priority, attempts, c.labels(), c.idempotencyKey());
    }

    private static Command.SubmitJob withLabels(Command.SubmitJob c, Map<String, String> labels, String key) {
        return new Command.SubmitJob(c.images(), c.operations(), c.priority(), c.maxAttempts(), labels, key);
    }

    private static Command.SubmitJob withTaskTimeout(Command.SubmitJob c, long taskTimeoutMs) {
        return new Command.SubmitJob(
                c.images(),
                c.operations(),
                c.priority(),
                c.maxAttempts(),
                taskTimeoutMs,
                c.labels(),
                c.idempotencyKey());
    }

    static List<Arguments> invalidSubmissions() {
        Map<String, String> manyLabels = new HashMap<>();
        for (int i = 0; i <= Limits.MAX_LABELS_PER_JOB; i++) {
            manyLabels.put("k" + i, "v");
        }
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("k", null);
        List<ImageRef> withNull = new ArrayList<>();
        withNull.add(null);
        return List.of(
                bad(
                        "no images",
                        ErrorCode.BAD_REQUEST,
                        "at least one image",
                        c -> with(c, List.of(), c.operations(), 0, 3)),
                bad(
                        "null images",
                        ErrorCode.BAD_REQUEST,
                        "at least one image",
                        c -> with(c, null, c.operations(), 0, 3)),
                bad(
                        "null image",
                        ErrorCode.BAD_REQUEST,
                        "image 0 is missing",
                        c -> with(c, withNull, c.operations(), 0, 3)),
                bad(
                        "too many images",
                        ErrorCode.TOO_LARGE,
                        "at most",
                        c -> with(c, Collections.nCopies(Limits.MAX_IMAGES_PER_JOB + 1, IMAGE), c.operations(), 0, 3)),
                bad(
                        "blank image name",
                        ErrorCode.BAD_REQUEST,
                        "image 0 name must not be blank",
                        c -> with(c, List.of(new ImageRef(" ", SHA, 1)), c.operations(), 0, 3)),
                bad(
                        "long image name",
                        ErrorCode.BAD_REQUEST,
                        "at most 256",
                        c -> with(c, List.of(new ImageRef("x".repeat(257), SHA, 1)), c.operations(), 0, 3)),
                bad(
                        "upper-case sha",
                        ErrorCode.BAD_REQUEST,
                        "64 lower-case hex",
                        c -> with(c, List.of(new ImageRef("a", SHA.toUpperCase(), 1)), c.operations(), 0, 3)),
                bad(
                        "short sha",
                        ErrorCode.BAD_REQUEST,
                        "image 'a' sha256",
                        c -> with(c, List.of(new ImageRef("a", "abc", 1)), c.operations(), 0, 3)),
                bad(
                        "empty image",
                        ErrorCode.BAD_REQUEST,
                        "at least 1 byte",
                        c -> with(c, List.of(new ImageRef("a", SHA, 0)), c.operations(), 0, 3)),
                bad(
                        "huge image",
                        ErrorCode.TOO_LARGE,
                        "exceeds the limit",
                        c -> with(c, List.of(new ImageRef("a", SHA, 50L * 1024 * 1024 + 1)), c.operations(), 0, 3)),
                bad(
                        "unknown operation",
                        ErrorCode.BAD_REQUEST,
                        "'explode:3'",
                        c -> with(c, c.images(), List.of("grayscale", "explode:3"), 0, 3)),
                bad(
                        "bad argument",
                        ErrorCode.BAD_REQUEST,
                        "'rotate:45'",
                        c -> with(c, c.images(), List.of("rotate:45"), 0, 3)),
                bad(
                        "too many operations",
                        ErrorCode.BAD_REQUEST,
                        "at most 32",
                        c -> with(c, c.images(), Collections.nCopies(33, "grayscale"), 0, 3)),
                bad(
                        "priority too high",
                        ErrorCode.BAD_REQUEST,
                        "priority must be between",
                        c -> with(c, c.images(), c.operations(), Limits.MAX_PRIORITY + 1, 3)),
                bad(
                        "priority too low",
                        ErrorCode.BAD_REQUEST,
                        "priority",
                        c -> with(c, c.images(), c.operations(), Limits.MIN_PRIORITY - 1, 3)),
                bad(
                        "zero attempts",
                        ErrorCode.BAD_REQUEST,
                        "maxAttempts",
                        c -> with(c, c.images(), c.operations(), 0, 0)),
                bad(
                        "too many attempts",
                        ErrorCode.BAD_REQUEST,
                        "maxAttempts",
                        c -> with(c, c.images(), c.operations(), 0, Limits.MAX_ATTEMPTS + 1)),
                bad(
                        "task timeout under a second",
                        ErrorCode.BAD_REQUEST,
                        "taskTimeoutMs must be 0 (the worker's default) or between 1000 and 86400000 ms, got 999",
                        c -> withTaskTimeout(c, Limits.MIN_TASK_TIMEOUT_MS - 1)),
                bad(
                        "task timeout over a day",
                        ErrorCode.BAD_REQUEST,
                        "got 86400001",
                        c -> withTaskTimeout(c, Limits.MAX_TASK_TIMEOUT_MS + 1)),
                bad("negative task timeout", ErrorCode.BAD_REQUEST, "taskTimeoutMs", c -> withTaskTimeout(c, -1)),
                bad("too many labels", ErrorCode.BAD_REQUEST, "labels", c -> withLabels(c, manyLabels, null)),
                bad("blank label key", ErrorCode.BAD_REQUEST, "label key", c -> withLabels(c, Map.of(" ", "v"), null)),
                bad("null label value", ErrorCode.BAD_REQUEST, "label 'k' value", c -> withLabels(c, nullValue, null)),
                bad(
                        "long label value",
                        ErrorCode.BAD_REQUEST,
                        "label 'k' value",
                        c -> withLabels(c, Map.of("k", "v".repeat(257)), null)),
                bad("blank idempotency key", ErrorCode.BAD_REQUEST, "idempotencyKey", c -> withLabels(c, Map.of(), "")),
                bad(
                        "long idempotency key",
                        ErrorCode.BAD_REQUEST,
                        "idempotencyKey",
                        c -> withLabels(c, Map.of(), "k".repeat(257))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSubmissions")
    void invalidSubmissionsAreRefusedWithoutWrites(
            String name, ErrorCode code, String expected, Command.SubmitJob command) {
        CoreHarness h = new CoreHarness();
        assertThat(h.refused(command, code)).contains(expected);
    }

    @Test
    void validationAtTheEdgeCanonicalizesOperations() {
        Command.SubmitJob c = with(valid(), List.of(IMAGE), List.of("RESIZE:10x20", "format:jpg"), 0, 3);
        StateCore.validate(c, CoreLimits.defaults());
        assertThat(JobRules.validate(c, CoreLimits.defaults())).containsExactly("resize:10x20,fit", "format:jpeg");
    }

    @Test
    void imagesMustBeStoredSealedOfTheDeclaredSizeAndImages() {
        CoreHarness h = new CoreHarness();
        ImageRef stored = h.image("ok.png", png(100, 1));
        ImageRef missing = new ImageRef("gone.png", SHA, 100);
        assertThat(h.refused(job(0, stored, missing), ErrorCode.BLOB_MISSING)).contains("gone.png", SHA, "upload");

        ImageRef wrongSize = new ImageRef("ok.png", stored.sha256(), 99);
        assertThat(h.refused(job(0, wrongSize), ErrorCode.BAD_REQUEST)).contains("declares 99 bytes");

        byte[] text = "just some text, no image".getBytes(StandardCharsets.UTF_8);
        ImageRef notImage = h.image("notes.txt", text);
        assertThat(h.refused(job(0, stored, notImage), ErrorCode.BAD_REQUEST)).contains("notes.txt", "not an image");

        String unsealed = CoreHarness.sha256(png(50, 2));
        h.apply(new Command.PutChunk(unsealed, 50, 0, 50, png(50, 2)));
        assertThat(h.refused(job(0, new ImageRef("half.png", unsealed, 50)), ErrorCode.BLOB_MISSING))
                .contains("half.png");
    }

    @Test
    void submissionCreatesTheJobTasksIndexesAndReferences() {
        CoreHarness h = new CoreHarness();
        ImageRef a = h.image("a.png", png(100, 1));
        ImageRef b = h.image("b.png", png(200, 2));
        long index = h.nextIndex();
        Command.SubmitJob c = new Command.SubmitJob(
                List.of(a, b, a), List.of("resize:10x10", "grayscale"), 7, 4, Map.of("team", "web"), "idem");
        assertThat(h.reply(c)).isEqualTo(new Response.JobSubmitted("job-" + index, true));

        JobRecord job = Tasks.job(h.kv, index);
        assertThat(job.id()).isEqualTo("job-" + index);
        assertThat(job.operations()).containsExactly("resize:10x10,fit", "grayscale");
        assertThat(job.priority()).isEqualTo(7);
        assertThat(job.maxAttempts()).isEqualTo(4);
        assertThat(job.submittedAtMs()).isEqualTo(h.nowMs());
        assertThat(job.state()).isEqualTo(JobState.PENDING);
        assertThat(job.count(TaskState.PENDING)).isEqualTo(3);

        List<TaskRecord> tasks = JobQueries.tasks(h.kv, index);
        assertThat(tasks)
                .extracting(TaskRecord::id)
                .containsExactly("job-" + index + ".0", "job-" + index + ".1", "job-" + index + ".2");
        assertThat(tasks).allSatisfy(t -> {
            assertThat(t.state()).isEqualTo(TaskState.PENDING);
            assertThat(t.attempts()).isZero();
        });
        assertThat(tasks.get(1).image()).isEqualTo("b.png");
        assertThat(h.kv.get(Space.PENDING, JobKeys.pending(7, index, 2)))
                .isEqualTo(("job-" + index + ".2").getBytes(StandardCharsets.UTF_8));
        assertThat(h.kv.get(Space.JOBS_BY_STATE, JobKeys.byState(JobState.PENDING, index)))
                .isNotNull();
        assertThat(h.kv.get(Space.IDEMPOTENCY, JobKeys.idempotency(null, "idem")))
                .isNotNull();
        assertThat(blob(h, a.sha256()).refCount()).isEqualTo(2);
        assertThat(blob(h, b.sha256()).refCount()).isEqualTo(1);
        assertThat(h.kv.size(Space.BLOBS_UNREFERENCED)).isZero();
        assertThat(h.core.counters(h.kv).tasks()).containsEntry(TaskState.PENDING, 3L);
        assertThat(h.core.counters(h.kv).jobs()).containsEntry(JobState.PENDING, 1L);
    }

    @Test
    void theTaskTimeoutIsStoredAndShownZeroMeaningTheWorkersDefault() {
        CoreHarness h = new CoreHarness();
        ImageRef a = h.image("a.png", png(100, 1));
        long[] accepted = {0, Limits.MIN_TASK_TIMEOUT_MS, 90_000, Limits.MAX_TASK_TIMEOUT_MS};
        for (long taskTimeoutMs : accepted) {
            Command.SubmitJob c =
                    withTaskTimeout(new Command.SubmitJob(List.of(a), List.of(), 0, 3, null, null), taskTimeoutMs);
            String id = ((Response.JobSubmitted) h.reply(c)).jobId();
            assertThat(Tasks.job(h.kv, JobKeys.parseJobId(id)).taskTimeoutMs()).isEqualTo(taskTimeoutMs);
            Response.JobDetail detail = (Response.JobDetail) h.query(new Request.GetJob(id, false));
            assertThat(detail.job().taskTimeoutMs()).isEqualTo(taskTimeoutMs);
        }
    }

    @Test
    void anIdempotencyKeyReturnsTheFirstJobAndWritesNothing() {
        CoreHarness h = new CoreHarness();
        ImageRef a = h.image("a.png", png(100, 1));
        Command.SubmitJob first = new Command.SubmitJob(List.of(a), List.of(), 0, 1, null, "once");
        Response created = h.reply(first);
        assertThat(created).isInstanceOf(Response.JobSubmitted.class);
        String id = ((Response.JobSubmitted) created).jobId();

        Command.SubmitJob different = new Command.SubmitJob(List.of(a, a), List.of("grayscale"), 5, 2, null, "once");
        Map<?, ?> before = h.kv.dump();
        assertThat(h.reply(different)).isEqualTo(new Response.JobSubmitted(id, false));
        assertThat(h.lastWrites()).isZero();
        assertThat(h.kv.dump()).isEqualTo(before);
        assertThat(h.reply(new Command.SubmitJob(List.of(a), List.of(), 0, 1, null, null)))
                .isEqualTo(new Response.JobSubmitted("job-" + (h.nextIndex() - 1), true));
    }

    @Test
    void identicalImagesAreStoredOnceAndCounted() {
        CoreHarness h = new CoreHarness();
        byte[] bytes = png(Limits.MAX_CHUNK_BYTES + 10, 3);
        ImageRef first = h.image("one.png", bytes);
        ImageRef second = h.image("two.png", bytes);
        assertThat(second.sha256()).isEqualTo(first.sha256());
        h.reply(job(0, first));
        h.reply(job(0, second, first));
        assertThat(blob(h, first.sha256()).refCount()).isEqualTo(3);
        assertThat(h.kv.size(Space.BLOBS)).isEqualTo(1);
        assertThat(h.kv.size(Space.BLOB_CHUNKS)).isEqualTo(2);
        assertThat(h.core.counters(h.kv).blobBytesStored()).isEqualTo(bytes.length);
    }

    @Test
    void getJobShowsTheSubmission() {
        CoreHarness h = new CoreHarness();
        ImageRef a = h.image("a.png", png(100, 1));
        String id = ((Response.JobSubmitted) h.reply(job(2, a))).jobId();
        Response reply = h.query(new Request.GetJob(id, false));
        assertThat(reply).isInstanceOf(Response.JobDetail.class);
        var view = ((Response.JobDetail) reply).job();
        assertThat(view.id()).isEqualTo(id);
        assertThat(view.state()).isEqualTo(JobState.PENDING);
        assertThat(view.tasks()).singleElement().satisfies(t -> {
            assertThat(t.image()).isEqualTo("a.png");
            assertThat(t.sha256()).isEqualTo(a.sha256());
            assertThat(t.size()).isEqualTo(100);
        });
        assertThat(view.counts()).containsEntry(TaskState.PENDING, 1).containsEntry(TaskState.LEASED, 0);
    }

    @Test
    void aLargeSubmissionStaysConsistent() {
        CoreHarness h = new CoreHarness().withoutInvariantChecks();
        ImageRef a = h.image("a.png", png(64, 1));
        h.reply(job(Collections.nCopies(Limits.MAX_IMAGES_PER_JOB, a)));
        assertThat(h.kv.size(Space.PENDING)).isEqualTo(Limits.MAX_IMAGES_PER_JOB);
        assertThat(blob(h, a.sha256()).refCount()).isEqualTo(Limits.MAX_IMAGES_PER_JOB);
        StateInvariants.check(h.kv, h.core);
    }

    static BlobRecord blob(CoreHarness h, String sha) {
        assertThat(Blobs.sealed(h.kv, sha)).isNotNull();
        return Codec.decode(h.kv.get(Space.BLOBS, BlobKeys.blob(sha)), BlobRecord.class);
    }
}
