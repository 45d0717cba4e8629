package io.corral.coordinator.state.blobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.auth.Role;
import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.LeaseResult;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Images are stored once, but a tenant may use one (name it in a job, see that the cluster has it, download it) only
 * when it uploaded all of its bytes or one of its jobs produced it (issue 11, docs/security.md "Ownership"): knowing a
 * digest is not enough, and no answer tells another tenant what the cluster holds.
 */
class BlobGrantsTest {
    private static final Caller ALICE = new Caller("alice", Role.SUBMITTER);
    private static final Caller BOB = new Caller("bob", Role.SUBMITTER);
    private static final Caller OPS = new Caller("ops", Role.ADMIN);
    private static final int SIZE = 2 * io.corral.protocol.Limits.MAX_CHUNK_BYTES + 100;

    private final CoreHarness h = new CoreHarness();
    private final byte[] bytes = CoreHarness.png(SIZE, 7);
    private final String sha = CoreHarness.sha256(bytes);

    private byte[] chunk(int i) {
        int from = i * io.corral.protocol.Limits.MAX_CHUNK_BYTES;
        return Arrays.copyOfRange(
                bytes, from, Math.min(bytes.length, from + io.corral.protocol.Limits.MAX_CHUNK_BYTES));
    }

    /** Uploads every chunk as {@code tenant}, each hashed as the receiving coordinator hashes a proof's chunks. */
    private Response upload(String tenant, boolean hashed) {
        for (int i = 0; i < Blobs.chunkCount(SIZE); i++) {
            byte[] c = chunk(i);
            Command.PutChunk put = new Command.PutChunk(sha, SIZE, i, c.length, c, tenant, null);
            assertThat(h.reply(hashed ? put.withChunkSha256(Blobs.sha256Hex(c)) : put))
                    .isEqualTo(new Response.ChunkStored(sha, i));
        }
        return h.reply(new Command.SealBlob(sha, SIZE, Blobs.chunkCount(SIZE), tenant));
    }

    private boolean has(Caller caller) {
        return ((Response.BlobStatus) h.query(new Request.HasBlob(sha), caller)).present();
    }

    private Response submit(String owner) {
        return h.reply(new Command.SubmitJob(
                List.of(new ImageRef("a.png", sha, SIZE)), List.of("thumbnail:128"), 0, 3, 0, Map.of(), null, owner));
    }

    @Test
    void theUploadersTenantMayUseTheImageAndNobodyElseByItsDigest() {
        assertThat(upload("alice", false)).isEqualTo(new Response.BlobSealed(sha, SIZE));

        assertThat(has(ALICE)).isTrue();
        assertThat(has(OPS)).isTrue();
        assertThat(has(Caller.SYSTEM)).isTrue();
        assertThat(has(BOB)).isFalse();
        assertThat(h.core.mayRead(h.kv, ALICE, sha)).isTrue();
        assertThat(h.core.mayRead(h.kv, BOB, sha)).isFalse();
        assertThat(submit("alice")).isInstanceOf(Response.JobSubmitted.class);
        Response bobs = submit("bob");
        assertThat(((Response.ErrorReply) bobs).code()).isEqualTo(ErrorCode.BLOB_MISSING);
        assertThat(((Response.ErrorReply) bobs).message()).contains("is not stored in the cluster; upload it");
        // A seal is no shortcut: it answers as for an image nobody uploaded, and grants nothing.
        assertThat(h.refused(new Command.SealBlob(sha, SIZE, Blobs.chunkCount(SIZE), "bob"), ErrorCode.BAD_REQUEST))
                .isEqualTo("missing chunk 0: no upload of " + sha + " is in progress");
        assertThat(has(BOB)).isFalse();
    }

    @Test
    void anotherTenantGainsTheImageByUploadingAllOfItAgainAndIsStoredOnce() {
        upload("alice", false);
        int stored = h.kv.size(Space.BLOB_CHUNKS);

        assertThat(upload("bob", true)).isEqualTo(new Response.BlobSealed(sha, SIZE));

        assertThat(has(BOB)).isTrue();
        assertThat(submit("bob")).isInstanceOf(Response.JobSubmitted.class);
        assertThat(h.kv.size(Space.BLOB_CHUNKS)).isEqualTo(stored);
        assertThat(h.kv.size(Space.BLOB_PROOFS)).isZero();
    }

    @Test
    void aProofWithAChunkThatDoesNotMatchIsDiscardedAtTheSeal() {
        upload("alice", false);
        byte[] wrong = chunk(1).clone();
        wrong[0] ^= 1;
        h.reply(new Command.PutChunk(sha, SIZE, 0, chunk(0).length, chunk(0), "bob", Blobs.sha256Hex(chunk(0))));
        assertThat(h.reply(new Command.PutChunk(sha, SIZE, 1, wrong.length, wrong, "bob", Blobs.sha256Hex(wrong))))
                .isEqualTo(new Response.ChunkStored(sha, 1));
        h.reply(new Command.PutChunk(sha, SIZE, 2, chunk(2).length, chunk(2), "bob", Blobs.sha256Hex(chunk(2))));

        Response sealed = h.reply(new Command.SealBlob(sha, SIZE, 3, "bob"));

        assertThat(((Response.ErrorReply) sealed).code()).isEqualTo(ErrorCode.HASH_MISMATCH);
        assertThat(has(BOB)).isFalse();
        assertThat(h.kv.size(Space.BLOB_PROOFS)).isZero();
        // The stored image is untouched, and a correct upload still works.
        assertThat(has(ALICE)).isTrue();
        assertThat(upload("bob", true)).isEqualTo(new Response.BlobSealed(sha, SIZE));
    }

    @Test
    void aProofIsCompleteOnlyWithEveryChunk() {
        upload("alice", false);
        h.reply(new Command.PutChunk(sha, SIZE, 0, chunk(0).length, chunk(0), "bob", Blobs.sha256Hex(chunk(0))));
        // Received before the coordinator knew the image: no hash, so it does not count.
        h.reply(new Command.PutChunk(sha, SIZE, 1, chunk(1).length, chunk(1), "bob", null));

        assertThat(h.refused(new Command.SealBlob(sha, SIZE, 3, "bob"), ErrorCode.BAD_REQUEST))
                .isEqualTo("missing chunk 1 of " + sha + "; upload it, then seal");
        assertThat(has(BOB)).isFalse();
    }

    @Test
    void anUploadInProgressIsItsTenantsAlone() {
        for (int i = 0; i < 2; i++) {
            h.reply(new Command.PutChunk(sha, SIZE, i, chunk(i).length, chunk(i), "alice", null));
        }
        assertThat(h.refused(
                        new Command.PutChunk(sha, SIZE, 2, chunk(2).length, chunk(2), "bob", null), ErrorCode.CONFLICT))
                .contains("another upload of " + sha + " is in progress");
        h.reply(new Command.PutChunk(sha, SIZE, 2, chunk(2).length, chunk(2), "alice", null));
        // Bob cannot seal what alice sent.
        h.refused(new Command.SealBlob(sha, SIZE, 3, "bob"), ErrorCode.BAD_REQUEST);

        assertThat(h.reply(new Command.SealBlob(sha, SIZE, 3, "alice"))).isEqualTo(new Response.BlobSealed(sha, SIZE));
        assertThat(has(BOB)).isFalse();
    }

    @Test
    void aWorkerReadsTheInputOfATaskItHoldsAndTheJobsOwnerReadsItsResult() {
        upload("alice", false);
        submit("alice");
        Caller worker = new Caller("render", Role.WORKER);
        assertThat(h.core.mayRead(h.kv, worker.asWorker("render.1"), sha)).isFalse();

        LeaseResult.Grant grant = ((LeaseResult.Granted)
                        h.apply(new Command.LeaseTasks("render.1", 1, 30_000)).result())
                .grants()
                .get(0);

        assertThat(h.core.mayRead(h.kv, worker.asWorker("render.1"), sha)).isTrue();
        assertThat(h.core.mayRead(h.kv, worker.asWorker("render.2"), sha)).isFalse();
        assertThat(h.core.mayRead(h.kv, worker, sha)).isFalse();

        byte[] result = CoreHarness.png(96, 3);
        String resultSha = CoreHarness.sha256(result);
        for (Command c : List.of(
                new Command.PutChunk(resultSha, result.length, 0, result.length, result, "render", null),
                new Command.SealBlob(resultSha, result.length, 1, "render"),
                new Command.CompleteTask("render.1", grant.taskId(), grant.token(), resultSha, result.length))) {
            assertThat(h.reply(c)).isNotInstanceOf(Response.ErrorReply.class);
        }

        assertThat(h.core.mayRead(h.kv, ALICE, resultSha)).isTrue();
        assertThat(h.core.mayRead(h.kv, BOB, resultSha)).isFalse();
        // Its lease over, the worker reads the input no more.
        assertThat(h.core.mayRead(h.kv, worker.asWorker("render.1"), sha)).isFalse();
    }

    /** A worker hands in only a result its tenant uploaded: not another tenant's image, known by its digest. */
    @Test
    void aWorkerCompletesOnlyWithAResultItsTenantUploaded() {
        upload("alice", false);
        submit("alice");
        LeaseResult.Grant grant = ((LeaseResult.Granted)
                        h.apply(new Command.LeaseTasks("render.1", 1, 30_000)).result())
                .grants()
                .get(0);
        byte[] secret = CoreHarness.png(96, 9);
        String secretSha = h.upload(secret, "bob");

        String refused = h.refused(
                new Command.CompleteTask("render.1", grant.taskId(), grant.token(), secretSha, secret.length, "render"),
                ErrorCode.BLOB_MISSING);

        assertThat(refused).contains("is not stored in the cluster");
        assertThat(h.core.mayRead(h.kv, ALICE, secretSha)).isFalse();
        // The same bytes uploaded by the worker's tenant itself: accepted, and alice may read her result.
        h.upload(secret, "render");
        assertThat(h.reply(new Command.CompleteTask(
                        "render.1", grant.taskId(), grant.token(), secretSha, secret.length, "render")))
                .isNotInstanceOf(Response.ErrorReply.class);
        assertThat(h.core.mayRead(h.kv, ALICE, secretSha)).isTrue();
    }

    @Test
    void anImageCollectedTakesItsGrantsAndProofsAlong() {
        upload("alice", false);
        h.reply(new Command.PutChunk(sha, SIZE, 0, chunk(0).length, chunk(0), "bob", Blobs.sha256Hex(chunk(0))));
        assertThat(h.kv.size(Space.BLOB_GRANTS)).isEqualTo(1);
        assertThat(h.kv.size(Space.BLOB_PROOFS)).isEqualTo(1);

        h.advance(10_000_000);
        h.reply(new Command.CollectGarbage(1_000, 1_000, 1_000, 100));

        assertThat(Blobs.sealed(h.kv, sha)).isNull();
        assertThat(h.kv.size(Space.BLOB_GRANTS)).isZero();
        assertThat(h.kv.size(Space.BLOB_PROOFS)).isZero();
    }
}
