package io.corral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.transport.RpcHandler;
import io.corral.protocol.transport.RpcServer;
import io.corral.protocol.transport.ServerOptions;
import io.corral.protocol.transport.Session;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The upload sequence against a fake blob store speaking the real protocol over a real socket. */
class ImageUploadTest {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    private static final long MAX_IMAGE_BYTES = 64L * 1024 * 1024;
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;

    private final FakeBlobStore store = new FakeBlobStore();
    private RpcServer server;
    private CorralClient client;

    @BeforeEach
    void start() throws IOException {
        server = RpcServer.start(new InetSocketAddress("127.0.0.1", 0), store, ServerOptions.defaults());
        InetSocketAddress address = server.boundAddress();
        client = CorralClient.connect(ClientOptions.builder(List.of(new HostPort("127.0.0.1", address.getPort())))
                .backoffBaseMs(1)
                .build());
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void uploadsInChunksOfOneMebibyteAndSeals() throws Exception {
        byte[] content = image(3 * MIB + MIB / 2);
        Path file = Files.write(dir.resolve("big.png"), content);

        ImageRef ref = ImageUpload.upload(client, file, MAX_IMAGE_BYTES);

        assertThat(ref).isEqualTo(new ImageRef("big.png", sha256(content), content.length));
        assertThat(store.chunkSizes).containsExactlyInAnyOrder(MIB, MIB, MIB, MIB / 2);
        assertThat(store.sealed).containsExactly(ref.sha256());
        assertThat(store.blob(ref.sha256())).isEqualTo(content);
    }

    @Test
    void sendsAFileOfWholeChunksWithoutAnEmptyLastChunk() throws Exception {
        byte[] content = image(2 * MIB);
        Path file = Files.write(dir.resolve("even.png"), content);

        ImageRef ref = ImageUpload.upload(client, file, MAX_IMAGE_BYTES);

        assertThat(store.chunkSizes).containsExactly(MIB, MIB);
        assertThat(store.blob(ref.sha256())).isEqualTo(content);
    }

    @Test
    void skipsTheUploadWhenTheClusterHasTheBytes() throws Exception {
        byte[] content = image(1000);
        Path file = Files.write(dir.resolve("known.png"), content);
        store.present.add(sha256(content));

        ImageRef ref = ImageUpload.upload(client, file, MAX_IMAGE_BYTES);

        assertThat(ref).isEqualTo(new ImageRef("known.png", sha256(content), 1000));
        assertThat(store.chunkSizes).isEmpty();
        assertThat(store.sealed).isEmpty();
    }

    /** The store holds chunk answers until four are outstanding, so the upload must keep four in flight to finish. */
    @Test
    void keepsFourChunksInFlightAndNoMore() throws Exception {
        store.holdUntilOutstanding = ImageUpload.MAX_CHUNKS_IN_FLIGHT;
        byte[] content = image(9 * MIB + 1);
        Path file = Files.write(dir.resolve("ten.png"), content);

        ImageRef ref = ImageUpload.upload(client, file, MAX_IMAGE_BYTES);

        assertThat(store.maxOutstanding).isEqualTo(ImageUpload.MAX_CHUNKS_IN_FLIGHT);
        assertThat(store.blob(ref.sha256())).isEqualTo(content);
    }

    @Test
    void retriesAChunkThatFailsWithARetryableError() throws Exception {
        store.failFirstPutOf.add(1);
        byte[] content = image(2 * MIB + 10);
        Path file = Files.write(dir.resolve("retry.png"), content);

        ImageRef ref = ImageUpload.upload(client, file, MAX_IMAGE_BYTES);

        assertThat(store.requests.stream()
                        .filter(r -> r instanceof Request.PutChunk put && put.index() == 1)
                        .count())
                .isEqualTo(2);
        assertThat(store.chunkSizes).hasSize(3);
        assertThat(store.blob(ref.sha256())).isEqualTo(content);
    }

    @Test
    void stopsOnANonRetryableError() throws Exception {
        store.sealError = ErrorCode.HASH_MISMATCH;
        Path file = Files.write(dir.resolve("bad.png"), image(100));

        assertThatThrownBy(() -> ImageUpload.upload(client, file, MAX_IMAGE_BYTES))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.HASH_MISMATCH));
    }

    @Test
    void refusesFilesItShouldNotSend() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "not an image");
        Path empty = Files.write(dir.resolve("empty.png"), new byte[0]);
        Path big = Files.write(dir.resolve("big.png"), image(2000));

        assertThatThrownBy(() -> ImageUpload.upload(client, text, MAX_IMAGE_BYTES))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST))
                .hasMessageEndingWith("notes.txt is not a JPEG, PNG, GIF, BMP, TIFF or WebP image");
        assertThatThrownBy(() -> ImageUpload.upload(client, empty, MAX_IMAGE_BYTES))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST))
                .hasMessageEndingWith("empty.png is empty");
        assertThatThrownBy(() -> ImageUpload.upload(client, big, 1000))
                .isInstanceOfSatisfying(
                        CorralException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_LARGE))
                .hasMessageEndingWith("big.png is 2000 bytes; the limit is 1000 bytes");
        assertThatThrownBy(() -> ImageUpload.upload(client, dir, MAX_IMAGE_BYTES))
                .isInstanceOf(IOException.class)
                .hasMessageEndingWith("is not a regular file");
        assertThat(store.requests).isEmpty();
    }

    private static byte[] image(int size) {
        byte[] content = new byte[size];
        new Random(size).nextBytes(content);
        System.arraycopy(PNG_MAGIC, 0, content, 0, Math.min(PNG_MAGIC.length, size));
        return content;
    }

    private static String sha256(byte[] content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }

    /** The coordinator's blob API, in memory: chunks by hash and index, sealed only if the bytes hash right. */
    static final class FakeBlobStore implements RpcHandler {
        final Set<String> present = ConcurrentHashMap.newKeySet();
        final List<String> sealed = new CopyOnWriteArrayList<>();
        final List<Integer> chunkSizes = new CopyOnWriteArrayList<>();
        final List<Request> requests = new CopyOnWriteArrayList<>();
        final Set<Integer> failFirstPutOf = ConcurrentHashMap.newKeySet();
        final Map<String, Map<Integer, byte[]>> chunks = new ConcurrentHashMap<>();
        volatile ErrorCode sealError;
        /** 0 answers at once; n holds answers until n chunk puts are outstanding (or the last chunk arrived). */
        volatile int holdUntilOutstanding;
        /** Touched on the single connection's event loop only. */
        int maxOutstanding;

        private final List<CompletableFuture<Response>> outstanding = new ArrayList<>();
        private final List<Response> outstandingAnswers = new ArrayList<>();

        @Override
        public CompletableFuture<Response> handle(Request request, Session session) {
            requests.add(request);
            if (request instanceof Request.HasBlob has) {
                boolean known = present.contains(has.sha256());
                return done(new Response.BlobStatus(has.sha256(), known, 0));
            }
            if (request instanceof Request.PutChunk put) {
                return put(put);
            }
            if (request instanceof Request.SealBlob seal) {
                return done(seal(seal));
            }
            return done(new Response.ErrorReply(ErrorCode.BAD_REQUEST, "unexpected " + request));
        }

        private CompletableFuture<Response> put(Request.PutChunk put) {
            if (failFirstPutOf.remove(put.index())) {
                return done(new Response.ErrorReply(ErrorCode.UNAVAILABLE, "leader changed"));
            }
            chunkSizes.add(put.data().length);
            chunks.computeIfAbsent(put.sha256(), k -> new ConcurrentHashMap<>()).put(put.index(), put.data());
            Response answer = new Response.ChunkStored(put.sha256(), put.index());
            if (holdUntilOutstanding == 0) {
                return done(answer);
            }
            CompletableFuture<Response> held = new CompletableFuture<>();
            outstanding.add(held);
            outstandingAnswers.add(answer);
            maxOutstanding = Math.max(maxOutstanding, outstanding.size());
            boolean last = (long) (put.index() + 1) * Limits.MAX_CHUNK_BYTES >= put.size();
            if (outstanding.size() >= holdUntilOutstanding || last) {
                for (int i = 0; i < outstanding.size(); i++) {
                    outstanding.get(i).complete(outstandingAnswers.get(i));
                }
                outstanding.clear();
                outstandingAnswers.clear();
            }
            return held;
        }

        private Response seal(Request.SealBlob seal) {
            if (sealError != null) {
                return new Response.ErrorReply(sealError, "sealing failed");
            }
            byte[] blob = blob(seal.sha256());
            try {
                String actual = sha256(blob);
                if (!actual.equals(seal.sha256()) || blob.length != seal.size()) {
                    return new Response.ErrorReply(ErrorCode.HASH_MISMATCH, "chunks hash to " + actual);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            sealed.add(seal.sha256());
            return new Response.BlobSealed(seal.sha256(), seal.size());
        }

        byte[] blob(String sha256) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new TreeMap<>(chunks.getOrDefault(sha256, Map.of())).values().forEach(out::writeBytes);
            return out.toByteArray();
        }

        private static CompletableFuture<Response> done(Response response) {
            return CompletableFuture.completedFuture(response);
        }
    }
}
