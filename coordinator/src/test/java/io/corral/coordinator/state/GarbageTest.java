package io.corral.coordinator.state;

import static io.corral.coordinator.state.CoreHarness.png;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.blobs.Blobs;
import io.corral.coordinator.state.jobs.JobKeys;
import io.corral.coordinator.state.jobs.Tasks;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GarbageTest {
    private static final long JOB_RETENTION_MS = 10_000;
    private static final long BLOB_RETENTION_MS = 5_000;
    private static final long UPLOAD_RETENTION_MS = 3_000;
    private static final Command.CollectGarbage GC =
            new Command.CollectGarbage(JOB_RETENTION_MS, BLOB_RETENTION_MS, UPLOAD_RETENTION_MS, 2);

    private static String submit(CoreHarness h, String key, ImageRef... images) {
        Command.SubmitJob c = new Command.SubmitJob(List.of(images), List.of(), 0, 1, Map.of(), key);
        return ((Response.JobSubmitted) h.reply(c)).jobId();
    }

    private static void cancel(CoreHarness h, String jobId) {
        assertThat(h.reply(new Command.CancelJob(jobId))).isInstanceOf(Response.JobDetail.class);
    }

    @Test
    void nothingIsCollectedBeforeItsRetention() {
        CoreHarness h = new CoreHarness();
        assertThat(h.core.hasGarbage(h.nowMs(), h.kv, GC)).isFalse();
        ImageRef image = h.image("a.png", png(100, 1));
        cancel(h, submit(h, "k", image));
        h.apply(new Command.PutChunk("ab".repeat(32), 10, 0, 10, new byte[10]));
        h.advance(UPLOAD_RETENTION_MS - 1);
        assertThat(h.core.hasGarbage(h.nowMs(), h.kv, GC)).isFalse();
        Map<?, ?> before = h.kv.dump();
        assertThat(h.reply(GC)).isEqualTo(new Response.Ack());
        assertThat(h.kv.dump()).isEqualTo(before);
    }

    @Test
    void finishedJobsGoAfterTheirRetentionAndReleaseTheirBlobs() {
        CoreHarness h = new CoreHarness();
        ImageRef shared = h.image("shared.png", png(100, 1));
        ImageRef own = h.image("own.png", png(100, 2));
        String done = submit(h, "first", shared, own, own);
        String live = submit(h, null, shared);
        cancel(h, done);
        h.advance(JOB_RETENTION_MS);
        assertThat(h.core.hasGarbage(h.nowMs(), h.kv, GC)).isTrue();
        h.reply(GC);

        assertThat(h.query(new Request.GetJob(done, false))).isInstanceOf(Response.ErrorReply.class);
        assertThat(h.kv.get(Space.IDEMPOTENCY, JobKeys.idempotency(null, "first")))
                .isNull();
        assertThat(Tasks.job(h.kv, JobKeys.parseJobId(live))).isNotNull();
        assertThat(Blobs.sealed(h.kv, shared.sha256()).refCount()).isEqualTo(1);
        assertThat(Blobs.sealed(h.kv, own.sha256()).refCount()).isZero();
        assertThat(Blobs.sealed(h.kv, own.sha256()).unreferencedSinceMs()).isEqualTo(h.nowMs());
        assertThat(h.core.counters(h.kv).tasks()).containsEntry(TaskState.CANCELLED, 0L);

        // The idempotency key is free again once its job is gone.
        assertThat(((Response.JobSubmitted)
                                h.reply(new Command.SubmitJob(List.of(own), List.of(), 0, 1, Map.of(), "first")))
                        .created())
                .isTrue();
    }

    @Test
    void unreferencedBlobsGoAfterTheirRetention() {
        CoreHarness h = new CoreHarness();
        ImageRef image = h.image("a.png", png(100, 1));
        String jobId = submit(h, null, image);
        h.advance(BLOB_RETENTION_MS * 10);
        h.reply(GC);
        assertThat(Blobs.sealed(h.kv, image.sha256())).as("referenced").isNotNull();

        cancel(h, jobId);
        h.advance(JOB_RETENTION_MS);
        h.reply(GC);
        assertThat(Blobs.sealed(h.kv, image.sha256())).as("just released").isNotNull();
        h.advance(BLOB_RETENTION_MS - 1);
        assertThat(h.core.hasGarbage(h.nowMs(), h.kv, GC)).isFalse();
        h.advance(1);
        assertThat(h.core.hasGarbage(h.nowMs(), h.kv, GC)).isTrue();
        h.reply(GC);
        assertThat(Blobs.sealed(h.kv, image.sha256())).isNull();
        assertThat(h.kv.size(Space.BLOB_CHUNKS)).isZero();
        assertThat(h.core.counters(h.kv).blobsStored()).isZero();
        assertThat(h.refused(CoreHarness.job(0, image), ErrorCode.BLOB_MISSING)).contains("a.png");
    }

    @Test
    void aBlobReferencedAgainLeavesTheCollectableIndex() {
        CoreHarness h = new CoreHarness();
        ImageRef image = h.image("a.png", png(100, 1));
        h.advance(BLOB_RETENTION_MS - 1);
        submit(h, null, image);
        h.advance(BLOB_RETENTION_MS * 10);
        assertThat(h.core.hasGarbage(h.nowMs(), h.kv, GC)).isFalse();
    }

    @Test
    void abandonedUploadsGoAfterTheirRetention() {
        CoreHarness h = new CoreHarness();
        String sha = "ab".repeat(32);
        h.apply(new Command.PutChunk(sha, 10, 0, 10, new byte[10]));
        h.advance(UPLOAD_RETENTION_MS);
        assertThat(h.core.hasGarbage(h.nowMs(), h.kv, GC)).isTrue();
        h.reply(GC);
        assertThat(h.kv.size(Space.UPLOADS)).isZero();
        assertThat(h.kv.size(Space.BLOB_CHUNKS)).isZero();
        assertThat(h.core.hasGarbage(h.nowMs(), h.kv, GC)).isFalse();
    }

    @Test
    void eachEntryCollectsAtMostMaxItemsOfEachKind() {
        CoreHarness h = new CoreHarness();
        for (int i = 0; i < 5; i++) {
            cancel(h, submit(h, null, h.image("a.png", png(100, 100 + i))));
        }
        for (int i = 0; i < 3; i++) {
            h.apply(new Command.PutChunk(String.format("%064x", i), 10, 0, 10, new byte[10]));
        }
        h.advance(JOB_RETENTION_MS);
        h.reply(GC);
        assertThat(h.kv.size(Space.JOBS)).isEqualTo(3);
        assertThat(h.kv.size(Space.UPLOADS)).isEqualTo(1);
        h.reply(GC);
        h.reply(GC);
        assertThat(h.kv.size(Space.JOBS)).isZero();
        h.advance(BLOB_RETENTION_MS);
        for (int i = 0; i < 3; i++) {
            h.reply(GC);
        }
        assertThat(h.kv.size(Space.BLOBS)).isZero();
        assertThat(h.core.hasGarbage(h.nowMs(), h.kv, GC)).isFalse();
    }

    @Test
    void settingsAreValidated() {
        CoreHarness h = new CoreHarness();
        h.refused(new Command.CollectGarbage(-1, 0, 0, 1), ErrorCode.BAD_REQUEST);
        h.refused(new Command.CollectGarbage(0, 0, 0, 0), ErrorCode.BAD_REQUEST);
        h.refused(
                new Command.CollectGarbage(0, 0, 0, CoreLimits.DEFAULT_MAX_GARBAGE_ITEMS_PER_ENTRY + 1),
                ErrorCode.BAD_REQUEST);
    }
}
