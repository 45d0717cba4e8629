package io.corral.coordinator.state.blobs;

import static io.corral.coordinator.state.CoreHarness.png;
import static io.corral.coordinator.state.CoreHarness.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.kv.FakeKv;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BlobsTest {
    private static final int CHUNK = Limits.MAX_CHUNK_BYTES;

    private static Command.PutChunk chunk(byte[] bytes, String sha, int index) {
        byte[] data = Arrays.copyOfRange(bytes, index * CHUNK, Math.min(bytes.length, (index + 1) * CHUNK));
        return new Command.PutChunk(sha, bytes.length, index, data.length, data);
    }

    @Test
    void chunkLayoutIsFixedBySize() {
        assertThat(Blobs.chunkCount(1)).isEqualTo(1);
        assertThat(Blobs.chunkCount(CHUNK)).isEqualTo(1);
        assertThat(Blobs.chunkCount(CHUNK + 1L)).isEqualTo(2);
        assertThat(Blobs.chunkLength(CHUNK + 1L, 0)).isEqualTo(CHUNK);
        assertThat(Blobs.chunkLength(CHUNK + 1L, 1)).isEqualTo(1);
        assertThat(Blobs.chunkLength(2L * CHUNK, 1)).isEqualTo(CHUNK);
    }

    @Test
    void invalidChunksAreRefused() {
        CoreHarness h = new CoreHarness(CoreLimits.defaults().withMaxImageBytes(3L * CHUNK));
        String sha = "ab".repeat(32);
        byte[] full = new byte[CHUNK];
        assertThat(h.refused(new Command.PutChunk("AB".repeat(32), 10, 0, 10, new byte[10]), ErrorCode.BAD_REQUEST))
                .contains("sha256");
        assertThat(h.refused(new Command.PutChunk(sha, 3L * CHUNK + 1, 0, CHUNK, full), ErrorCode.TOO_LARGE))
                .contains("exceeds the limit");
        h.refused(new Command.PutChunk(sha, 0, 0, 0, new byte[0]), ErrorCode.BAD_REQUEST);
        assertThat(h.refused(new Command.PutChunk(sha, 10, 1, 10, new byte[10]), ErrorCode.BAD_REQUEST))
                .contains("out of range");
        h.refused(new Command.PutChunk(sha, 10, -1, 10, new byte[10]), ErrorCode.BAD_REQUEST);
        assertThat(h.refused(new Command.PutChunk(sha, CHUNK + 5L, 0, 5, new byte[5]), ErrorCode.BAD_REQUEST))
                .contains("must be " + CHUNK + " bytes");
        assertThat(h.refused(new Command.PutChunk(sha, 10, 0, 10, new byte[9]), ErrorCode.BAD_REQUEST))
                .contains("carries 9 bytes");
        assertThat(h.refused(new Command.PutChunk(sha, 10, 0, 10, null), ErrorCode.BAD_REQUEST))
                .contains("no data");
        assertThat(h.refused(new Command.SealBlob(sha, CHUNK + 1L, 1), ErrorCode.BAD_REQUEST))
                .contains("2 chunks");
    }

    @Test
    void uploadSealReadRoundTrip() {
        CoreHarness h = new CoreHarness();
        byte[] bytes = png(2 * CHUNK + 123, 7);
        String sha = sha256(bytes);
        assertThat(h.query(new Request.HasBlob(sha))).isEqualTo(new Response.BlobStatus(sha, false, 0));
        long startedAt = h.nowMs();
        h.reply(chunk(bytes, sha, 2));
        assertThat(h.kv.get(Space.UPLOADS_BY_AGE, BlobKeys.timed(startedAt, sha)))
                .isNotNull();
        h.advance(100);
        h.reply(chunk(bytes, sha, 0));
        h.reply(chunk(bytes, sha, 0)); // a retried chunk overwrites its copy
        assertThat(h.refused(new Command.SealBlob(sha, bytes.length, 3), ErrorCode.BAD_REQUEST))
                .contains("missing chunk 1");
        h.reply(chunk(bytes, sha, 1));
        // Downloads see sealed blobs only; the log-data path sees chunks of uploads in progress too.
        assertThat(h.core.readChunk(h.kv, sha, 1)).isNull();
        assertThat(h.core.readStoredChunk(h.kv, sha, 1))
                .isEqualTo(chunk(bytes, sha, 1).data());
        assertThat(h.reply(new Command.SealBlob(sha, bytes.length, 3)))
                .isEqualTo(new Response.BlobSealed(sha, bytes.length));

        BlobRecord blob = Blobs.sealed(h.kv, sha);
        assertThat(blob).isEqualTo(new BlobRecord(bytes.length, 3, 0, true, "png", h.nowMs(), h.nowMs()));
        assertThat(h.kv.size(Space.UPLOADS)).isZero();
        assertThat(h.kv.size(Space.UPLOADS_BY_AGE)).isZero();
        assertThat(h.kv.get(Space.BLOBS_UNREFERENCED, BlobKeys.timed(h.nowMs(), sha)))
                .isNotNull();
        assertThat(h.core.counters(h.kv).blobsStored()).isEqualTo(1);
        assertThat(h.core.counters(h.kv).blobBytesStored()).isEqualTo(bytes.length);
        assertThat(h.query(new Request.HasBlob(sha))).isEqualTo(new Response.BlobStatus(sha, true, bytes.length));

        assertThat(h.core.readBlob(h.kv, sha)).isEqualTo(bytes);
        assertThat(h.core.readChunk(h.kv, sha, 2)).isEqualTo(Arrays.copyOfRange(bytes, 2 * CHUNK, bytes.length));
        assertThat(h.core.readChunk(h.kv, sha, 3)).isNull();
        assertThat(h.core.readBlob(h.kv, "cd".repeat(32))).isNull();
    }

    @Test
    void sealedBlobsIgnoreMoreChunksAndSeals() {
        CoreHarness h = new CoreHarness();
        byte[] bytes = png(100, 1);
        String sha = h.upload(bytes);
        assertThat(h.reply(chunk(bytes, sha, 0))).isEqualTo(new Response.ChunkStored(sha, 0));
        assertThat(h.lastWrites()).isZero();
        assertThat(h.reply(new Command.SealBlob(sha, 100, 1))).isEqualTo(new Response.BlobSealed(sha, 100));
        assertThat(h.lastWrites()).isZero();
    }

    @Test
    void aMismatchedHashDiscardsTheUpload() {
        CoreHarness h = new CoreHarness();
        byte[] bytes = png(CHUNK + 10, 1);
        String claimed = sha256(png(CHUNK + 10, 2));
        h.reply(chunk(bytes, claimed, 0));
        h.reply(chunk(bytes, claimed, 1));
        Response reply = h.reply(new Command.SealBlob(claimed, bytes.length, 2));
        assertThat(((Response.ErrorReply) reply).code()).isEqualTo(ErrorCode.HASH_MISMATCH);
        assertThat(((Response.ErrorReply) reply).message()).contains(sha256(bytes), "discarded");
        // The one refusal that writes: the chunks can never become this blob.
        assertThat(h.lastWrites()).isPositive();
        assertThat(h.kv.size(Space.BLOB_CHUNKS)).isZero();
        assertThat(h.kv.size(Space.UPLOADS)).isZero();
        assertThat(h.kv.size(Space.UPLOADS_BY_AGE)).isZero();
        assertThat(h.kv.size(Space.BLOBS)).isZero();
    }

    @Test
    void anUploadKeepsTheSizeItStartedWith() {
        CoreHarness h = new CoreHarness();
        String sha = "ab".repeat(32);
        h.reply(new Command.PutChunk(sha, 10, 0, 10, new byte[10]));
        assertThat(h.refused(new Command.PutChunk(sha, 20, 0, 20, new byte[20]), ErrorCode.CONFLICT))
                .contains("size 10");
        assertThat(h.refused(new Command.SealBlob(sha, 11, 1), ErrorCode.BAD_REQUEST))
                .contains("declared 10");
        assertThat(h.refused(new Command.SealBlob("cd".repeat(32), 11, 1), ErrorCode.BAD_REQUEST))
                .contains("missing chunk 0");
    }

    @Test
    void nonImagesSealButAreMarkedAsSuch() {
        CoreHarness h = new CoreHarness();
        String sha = h.upload("hello".getBytes(StandardCharsets.UTF_8));
        assertThat(Blobs.sealed(h.kv, sha).format()).isNull();
    }

    @Test
    void corruptionIsDetectedOnRead() {
        CoreHarness h = new CoreHarness().withoutInvariantChecks();
        byte[] bytes = png(CHUNK + 10, 1);
        String sha = h.upload(bytes);
        FakeKv.Txn txn = h.kv.begin();
        byte[] flipped = h.core.readChunk(h.kv, sha, 1);
        flipped[3] ^= 1;
        txn.put(Space.BLOB_CHUNKS, BlobKeys.chunk(sha, 1), flipped);
        txn.commit();
        assertThatThrownBy(() -> h.core.readBlob(h.kv, sha))
                .isInstanceOf(BlobCorruptException.class)
                .hasMessageContaining("hash to");
        txn = h.kv.begin();
        txn.delete(Space.BLOB_CHUNKS, BlobKeys.chunk(sha, 1));
        txn.commit();
        assertThatThrownBy(() -> h.core.readBlob(h.kv, sha))
                .isInstanceOf(BlobCorruptException.class)
                .hasMessageContaining("chunk 1 is missing");
    }
}
