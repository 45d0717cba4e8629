package io.corral.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.blobs.Blobs;
import io.corral.coordinator.state.kv.FakeKv;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A state core over a {@link FakeKv} with a fake clock and a Raft index counter: each {@link #apply} is one committed
 * entry. After every entry it checks {@link StateInvariants}.
 */
public final class CoreHarness {
    public final FakeKv kv = new FakeKv();
    public final StateCore core;
    private long index;
    private long nowMs = 1_000_000;
    /** The Raft term of the entries applied; 0 (unknown) unless a test starts terms with {@link #newTerm()}. */
    private long term;

    private int lastWrites;
    private boolean checkInvariants = true;

    public CoreHarness() {
        this(CoreLimits.defaults());
    }

    public CoreHarness(CoreLimits limits) {
        this(limits, Set.of());
    }

    /** A core with deliberate bugs switched on, to test that they do what the harness's proofs rely on. */
    public CoreHarness(CoreLimits limits, Set<TestFault> faults) {
        core = new StateCore(limits, faults);
    }

    public CoreHarness withoutInvariantChecks() {
        checkInvariants = false;
        return this;
    }

    public long nowMs() {
        return nowMs;
    }

    public void advance(long ms) {
        nowMs += ms;
    }

    /** The next entries are a new leader's: a new Raft term. */
    public void newTerm() {
        term++;
    }

    /** The index the next entry will get. */
    public long nextIndex() {
        return index + 1;
    }

    /** Lets {@code n} indexes pass, as entries this core did not see (configuration entries, other commands). */
    public void skipIndexes(long n) {
        index += n;
    }

    public Applied apply(Command command) {
        long at = ++index;
        FakeKv.Txn txn = kv.begin();
        Applied applied = core.apply(at, term, new Entry(nowMs, command), txn);
        lastWrites = txn.writes();
        txn.commit();
        if (checkInvariants) {
            StateInvariants.check(kv, core);
        }
        return applied;
    }

    public Response reply(Command command) {
        return apply(command).reply();
    }

    /** Applies a command that must be refused with {@code code}, writing nothing; returns the message. */
    public String refused(Command command, ErrorCode code) {
        Map<?, ?> before = kv.dump();
        Response reply = reply(command);
        assertThat(reply).isInstanceOf(Response.ErrorReply.class);
        Response.ErrorReply error = (Response.ErrorReply) reply;
        assertThat(error.code()).as(error.message()).isEqualTo(code);
        assertThat(lastWrites).as("writes of a refused command").isZero();
        assertThat(kv.dump()).isEqualTo(before);
        return error.message();
    }

    public int lastWrites() {
        return lastWrites;
    }

    public Response query(Request request) {
        return core.query(request, kv);
    }

    /** A read as {@code caller} may see it. */
    public Response query(Request request, Caller caller) {
        return core.query(request, caller, kv);
    }

    /** Uploads and seals {@code bytes}; returns their address. */
    public String upload(byte[] bytes) {
        return upload(bytes, null);
    }

    /**
     * Uploads and seals {@code bytes} as {@code tenant} (null: without authentication), each chunk hashed as the
     * receiving coordinator hashes the chunks of an image the cluster holds already; returns their address.
     */
    public String upload(byte[] bytes, String tenant) {
        String sha = sha256(bytes);
        int chunks = Blobs.chunkCount(bytes.length);
        for (int i = 0; i < chunks; i++) {
            byte[] chunk = Arrays.copyOfRange(
                    bytes, i * Limits.MAX_CHUNK_BYTES, Math.min(bytes.length, (i + 1) * Limits.MAX_CHUNK_BYTES));
            Command.PutChunk put = new Command.PutChunk(sha, bytes.length, i, chunk.length, chunk, tenant, null);
            assertThat(reply(tenant == null ? put : put.withChunkSha256(Blobs.sha256Hex(chunk))))
                    .isEqualTo(new Response.ChunkStored(sha, i));
        }
        assertThat(reply(new Command.SealBlob(sha, bytes.length, chunks, tenant)))
                .isEqualTo(new Response.BlobSealed(sha, bytes.length));
        return sha;
    }

    public ImageRef image(String name, byte[] bytes) {
        return new ImageRef(name, upload(bytes), bytes.length);
    }

    /** A job with default settings. */
    public static Command.SubmitJob job(List<ImageRef> images) {
        return new Command.SubmitJob(images, List.of("thumbnail:128"), 0, 3, Map.of(), null);
    }

    public static Command.SubmitJob job(int priority, ImageRef... images) {
        return new Command.SubmitJob(List.of(images), List.of("thumbnail:128"), priority, 3, Map.of(), null);
    }

    /** Bytes that sniff as PNG: the signature, then a filler that differs by {@code seed}. */
    public static byte[] png(int size, int seed) {
        byte[] bytes = new byte[size];
        byte[] magic = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
        for (int i = 0; i < size; i++) {
            bytes[i] = i < magic.length ? magic[i] : (byte) (i * 31 + seed * 17 + (i >> 8));
        }
        return bytes;
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
