package io.corral.protocol.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.corral.protocol.AttemptOutcome;
import io.corral.protocol.AttemptView;
import io.corral.protocol.CheckpointFile;
import io.corral.protocol.Envelope;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobState;
import io.corral.protocol.JobSummary;
import io.corral.protocol.JobView;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.LeaseRef;
import io.corral.protocol.LeaseStatus;
import io.corral.protocol.Limits;
import io.corral.protocol.LockView;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Message;
import io.corral.protocol.PeerView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.StaleLease;
import io.corral.protocol.TaskResultView;
import io.corral.protocol.TaskState;
import io.corral.protocol.TaskView;
import io.corral.protocol.UnreachableMember;
import io.corral.protocol.WorkerView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Pins the wire format: every request and response type has a sample whose encoding must equal its file under
 * {@code src/test/resources/golden/}. A change to a message shows up as a diff of these files, which is reviewed like
 * code. Regenerate on purpose only: {@code mvn -pl protocol test -Dgolden.update=true}.
 */
class GoldenEncodingTest {
    private static final Path GOLDEN_DIR = Path.of("src", "test", "resources", "golden");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");
    private static final long ID = 17;

    /** SHA-256 of "test". */
    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static final Map<Class<?>, Message> SAMPLES = samples();

    @TestFactory
    Stream<DynamicTest> everyMessageTypeMatchesItsGoldenFile() {
        return messageTypes().stream()
                .map(type -> DynamicTest.dynamicTest(type.getSimpleName(), () -> checkGolden(type)));
    }

    @Test
    void everyMessageTypeHasASample() {
        List<String> missing = messageTypes().stream()
                .filter(type -> !SAMPLES.containsKey(type))
                .map(Class::getSimpleName)
                .toList();
        assertThat(missing)
                .as("message types without a sample in GoldenEncodingTest")
                .isEmpty();
    }

    /** A golden file whose type was renamed or removed would otherwise linger and mislead. */
    @Test
    void everyGoldenFileBelongsToAMessageType() throws IOException {
        Set<String> expected = new TreeSet<>();
        messageTypes().forEach(type -> expected.add(type.getSimpleName() + ".json"));
        Set<String> present = new TreeSet<>();
        try (Stream<Path> files = Files.list(GOLDEN_DIR)) {
            files.forEach(f -> present.add(f.getFileName().toString()));
        }
        assertThat(present).isEqualTo(expected);
    }

    /**
     * Pins the framing around the JSON: {@code [u32 payload length][u32 JSON length][JSON][binary part]}, the image
     * bytes raw after the JSON, which holds their length.
     */
    @Test
    void aFrameIsItsLengthTheJsonLengthTheJsonAndThenTheImageBytes() throws Exception {
        Envelope envelope =
                new Envelope(ID, new Request.PutChunk(SHA, 4, 0, new byte[] {(byte) 0xFF, (byte) 0xD8, 0, 't'}));
        byte[] payload = Json.encode(envelope);
        byte[] frame = ByteBuffer.allocate(4 + payload.length)
                .putInt(payload.length)
                .put(payload)
                .array();
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < frame.length; i += 32) {
            hex.append(HexFormat.of().formatHex(frame, i, Math.min(frame.length, i + 32)))
                    .append('\n');
        }
        Path file = GOLDEN_DIR.resolveSibling("golden-frames").resolve("PutChunk.hex");
        if (UPDATE) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, hex, StandardCharsets.UTF_8);
        }
        assertThat(hex.toString()).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
        assertThat(Arrays.copyOfRange(frame, frame.length - 4, frame.length))
                .containsExactly((byte) 0xFF, (byte) 0xD8, 0, 't');
    }

    /**
     * Second encodings of some types, pinned like the first: a Hello with a token (the only field that may be absent)
     * and the error codes of authentication. Under {@code golden-variants/}, named {@code Type-variant.json}.
     */
    @TestFactory
    Stream<DynamicTest> variantsMatchTheirGoldenFiles() {
        return variants().entrySet().stream()
                .map(v -> DynamicTest.dynamicTest(
                        v.getKey(),
                        () -> checkGolden(GOLDEN_DIR.resolveSibling("golden-variants"), v.getKey(), v.getValue())));
    }

    private static Map<String, Message> variants() {
        Map<String, Message> variants = new LinkedHashMap<>();
        variants.put(
                "Hello-token", new Request.Hello(Limits.PROTOCOL_VERSION, "corral-cli", "corral_Zm9vYmFyYmF6cXV4"));
        variants.put(
                "ErrorReply-unauthenticated",
                new Response.ErrorReply(
                        ErrorCode.UNAUTHENTICATED, "this coordinator requires a token; none was sent (--token-file)"));
        variants.put(
                "ErrorReply-permission-denied",
                new Response.ErrorReply(ErrorCode.PERMISSION_DENIED, "'ci' (role read-only) may not send SubmitJob"));
        return variants;
    }

    /** The comparison used above must see array contents, or a broken base64 codec would pass unnoticed. */
    @Test
    void recursiveComparisonComparesByteArraysByContent() {
        Request.PutChunk one = new Request.PutChunk(SHA, 1, 0, new byte[] {1});
        assertThat(one).usingRecursiveComparison().isEqualTo(new Request.PutChunk(SHA, 1, 0, new byte[] {1}));
        assertThatThrownBy(() -> assertThat(one)
                        .usingRecursiveComparison()
                        .isEqualTo(new Request.PutChunk(SHA, 1, 0, new byte[] {2})))
                .isInstanceOf(AssertionError.class);
    }

    private static void checkGolden(Class<?> type) throws Exception {
        Message sample = SAMPLES.get(type);
        if (sample == null) {
            fail("no sample for " + type.getSimpleName() + "; add one to GoldenEncodingTest.samples()");
        }
        checkGolden(GOLDEN_DIR, type.getSimpleName(), sample);
    }

    private static void checkGolden(Path dir, String name, Message sample) throws Exception {
        Class<?> type = sample.getClass();
        Envelope envelope = new Envelope(ID, sample);
        // The JSON part of the payload as sent, indented for review; the binary part is pinned by the frame test.
        byte[] payload = Json.encode(envelope);
        int jsonLength = ByteBuffer.wrap(payload).getInt();
        byte[] binary = Arrays.copyOfRange(payload, Json.JSON_LENGTH_BYTES + jsonLength, payload.length);
        String encoded = Json.pretty(Json.mapper().readTree(payload, Json.JSON_LENGTH_BYTES, jsonLength)) + "\n";
        Path file = dir.resolve(name + ".json");
        if (UPDATE) {
            Files.createDirectories(dir);
            Files.writeString(file, encoded, StandardCharsets.UTF_8);
        }
        if (!Files.exists(file)) {
            fail("no golden file " + file + "; run the tests with -Dgolden.update=true and review the new file");
        }
        String golden = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(encoded).as("encoding of " + type.getSimpleName()).isEqualTo(golden);

        Envelope decoded = Json.decode(Json.payload(golden.getBytes(StandardCharsets.UTF_8), binary));
        assertThat(decoded.message()).isInstanceOf(type);
        // Field by field, so byte[] fields compare by content (record equals compares arrays by identity).
        assertThat(decoded).usingRecursiveComparison().withStrictTypeChecking().isEqualTo(envelope);
        assertThat(Json.decode(Json.encode(envelope)))
                .usingRecursiveComparison()
                .isEqualTo(envelope);
    }

    static List<Class<?>> messageTypes() {
        List<Class<?>> types = new ArrayList<>();
        types.addAll(Arrays.asList(Request.class.getPermittedSubclasses()));
        types.addAll(Arrays.asList(Response.class.getPermittedSubclasses()));
        return types;
    }

    private static Map<Class<?>, Message> samples() {
        Map<Class<?>, Message> samples = new LinkedHashMap<>();
        Stream.concat(requestSamples().stream(), responseSamples().stream()).forEach(m -> samples.put(m.getClass(), m));
        return samples;
    }

    private static List<Request> requestSamples() {
        return List.of(
                new Request.Hello(Limits.PROTOCOL_VERSION, "corral-cli"),
                new Request.HasBlob(SHA),
                new Request.PutChunk(SHA, 4, 0, "test".getBytes(StandardCharsets.US_ASCII)),
                new Request.SealBlob(SHA, 4, 1),
                new Request.SubmitJob(
                        List.of(new ImageRef("cat.jpg", SHA, 4)),
                        List.of("resize:800x600,fit", "format:webp,q=80"),
                        10,
                        3,
                        600_000,
                        Map.of("team", "web", "batch", "2026-01"),
                        "upload-7f3a"),
                new Request.GetJob("job-17", false),
                new Request.GetTask("job-17.1", true),
                new Request.ListJobs(JobState.PENDING, 100, true, "job-4711"),
                new Request.CancelJob("job-17"),
                new Request.AcquireLock("reindex", "worker-3", 30_000, 5_000),
                new Request.ReleaseLock("reindex", 4711),
                new Request.RenewLock("reindex", 4711),
                new Request.GetLock("reindex", false),
                new Request.ListLocks(true),
                new Request.GetClusterStatus(),
                new Request.GetNodeStatus(),
                new Request.GetSecurity(),
                new Request.TakeSnapshot(),
                new Request.TransferLeader("c2"),
                new Request.OpenCheckpoint(),
                new Request.ReadCheckpoint("cp-1", "000042.sst", 1_048_576, 1_048_576),
                new Request.CloseCheckpoint("cp-1"),
                new Request.RegisterWorker("worker-3", 8, List.of("gpu")),
                new Request.Heartbeat("worker-3", List.of(new LeaseRef("job-17.0", 4711)), 7),
                new Request.CompleteTask("job-17.0", 4711, SHA, 4),
                new Request.FailTask("job-17.0", 4711, "not an image: text/plain", false),
                new Request.ReportProgress("job-17.0", 4711, 40, "resizing"),
                new Request.ReleaseLeases("worker-3", List.of(new LeaseRef("job-17.0", 4711))),
                new Request.ReadBlobChunk(SHA, 0),
                new Request.RetryTasks("job-17"),
                new Request.ListWorkers(),
                new Request.GetLocalWorkers(),
                new Request.OpenBackup(),
                new Request.GetMembership(),
                new Request.AddPeer("c4", "10.0.0.4:7300", "10.0.0.4:7400", null),
                new Request.PromotePeer("c4"),
                new Request.RemovePeer("c2"));
    }

    private static List<Response> responseSamples() {
        LockView lock = new LockView("reindex", "worker-3", 4711, 30_000, 1_767_225_600_000L, 1_767_225_630_000L, 2);
        return List.of(
                new Response.Welcome(Limits.PROTOCOL_VERSION, "c1"),
                new Response.ErrorReply(ErrorCode.NOT_FOUND, "no job j-000099"),
                new Response.Ack(),
                new Response.BlobStatus(SHA, true, 4),
                new Response.ChunkStored(SHA, 0),
                new Response.BlobSealed(SHA, 4),
                new Response.JobSubmitted("job-17", true),
                new Response.JobDetail(jobView()),
                new Response.TaskDetail(
                        "job-17",
                        jobView().tasks().get(1),
                        3,
                        4_800,
                        1_767_225_640_000L,
                        0,
                        List.of(new AttemptView(
                                "w1",
                                4_711,
                                1_767_225_601_000L,
                                1_767_225_631_000L,
                                AttemptOutcome.EXPIRED,
                                "lease expired: no heartbeat for 30000 ms"))),
                new Response.JobList(List.of(new JobSummary(
                        "job-17",
                        JobState.LEASED,
                        10,
                        2,
                        Map.of(TaskState.SUCCEEDED, 1, TaskState.LEASED, 1),
                        1_767_225_600_000L,
                        Map.of("team", "web"),
                        "alice"))),
                new Response.LockGranted("reindex", "worker-3", 4711, 1_767_225_630_000L),
                new Response.LockQueued("reindex", 12, 1_767_225_605_000L),
                new Response.LockReleased("reindex", 4711),
                new Response.LockDetail(lock),
                new Response.LockList(List.of(lock)),
                new Response.ClusterStatus("c1", List.of(leader(), unreachable())),
                new Response.NodeStatus(leader()),
                new Response.Security("n1", true, "require", true, true, false),
                new Response.SnapshotTaken(4096),
                new Response.LeaderTransferred("c2"),
                new Response.CheckpointOpened(
                        "cp-1",
                        3,
                        4096,
                        List.of(new CheckpointFile("000042.sst", 1_048_576), new CheckpointFile("CURRENT", 16))),
                new Response.CheckpointData(
                        "cp-1", "CURRENT", 0, "MANIFEST-000005\n".getBytes(StandardCharsets.US_ASCII)),
                new Response.WorkerRegistered("worker-3", 30_000, 10_000),
                new Response.HeartbeatAck(
                        List.of(new LeaseStatus("job-17.0", 4711, 1_767_225_630_000L)),
                        List.of(new StaleLease("job-17.1", 4690, "task job-17.1 is CANCELLED, not leased"))),
                new Response.TaskUpdated("job-17.0", TaskState.SUCCEEDED),
                new Response.LeasesReleased(
                        List.of(new LeaseStatus("job-17.0", 4711, 0)),
                        List.of(new StaleLease("job-17.1", 4690, "task job-17.1 is CANCELLED, not leased"))),
                new Response.BlobChunk(SHA, 0, 1, "test".getBytes(StandardCharsets.US_ASCII)),
                new Response.LeaseOffer(List.of(new LeaseGrant(
                        "job-17.0",
                        "job-17",
                        "cat.jpg",
                        SHA,
                        4,
                        List.of("thumbnail:256", "format:webp"),
                        600_000,
                        4711,
                        1_767_225_630_000L))),
                new Response.JobSubmittedWithLeases(
                        "job-17",
                        true,
                        Map.of(
                                "worker-3",
                                List.of(new LeaseGrant(
                                        "job-17.0",
                                        "job-17",
                                        "cat.jpg",
                                        SHA,
                                        4,
                                        List.of("thumbnail:256"),
                                        0,
                                        4711,
                                        1_767_225_630_000L)))),
                new Response.LeaseRevoked("job-17.0", 4711),
                new Response.TasksRetried(2),
                new Response.WorkerList(
                        List.of(
                                workerView("worker-3", 8, 7, List.of("job-17.0")),
                                workerView("worker-4", 0, 0, List.of())),
                        List.of(new UnreachableMember("c3", "connection refused"))),
                new Response.LocalWorkers("c1", List.of(workerView("worker-3", 8, 7, List.of("job-17.0")))),
                new Response.BackupOpened(
                        "cp-2",
                        "corral",
                        "c2",
                        3,
                        4096,
                        1_767_225_600_000L,
                        "0.1.0",
                        List.of(new CheckpointFile("000042.sst", 1_048_576), new CheckpointFile("CURRENT", 16))),
                new Response.Membership(
                        "c1",
                        4180,
                        false,
                        4200,
                        List.of(
                                new PeerView("c1", "10.0.0.1:7300", "10.0.0.1:7400", "10.0.0.1:7500", "VOTER", 4200, 0),
                                new PeerView(
                                        "c2", "10.0.0.2:7300", "10.0.0.2:7400", "10.0.0.2:7500", "VOTER", 4199, 12),
                                new PeerView(
                                        "c4",
                                        "10.0.0.4:7300",
                                        "10.0.0.4:7400",
                                        "10.0.0.4:7500",
                                        "LISTENER",
                                        4150,
                                        40))));
    }

    /** A worker connected to c1; with 0 slots it is draining. */
    private static WorkerView workerView(String id, int slots, int free, List<String> leases) {
        return new WorkerView(
                id,
                "c1",
                slots,
                free,
                leases.size(),
                leases,
                slots == 0 ? List.of() : List.of("gpu"),
                1_767_225_600_000L,
                1_767_225_610_000L,
                slots == 0);
    }

    /** A job half done: one task succeeded (with its result), one running after a failed attempt. */
    private static JobView jobView() {
        return new JobView(
                "job-17",
                JobState.LEASED,
                10,
                3,
                600_000,
                List.of("resize:800x600,fit", "format:webp,q=80"),
                Map.of("team", "web"),
                null,
                1_767_225_600_000L,
                0,
                false,
                Map.of(TaskState.SUCCEEDED, 1, TaskState.LEASED, 1),
                List.of(
                        new TaskView(
                                "job-17.0",
                                0,
                                "cat.jpg",
                                SHA,
                                4,
                                TaskState.SUCCEEDED,
                                1,
                                null,
                                "w1",
                                100,
                                "encoded",
                                new TaskResultView(SHA, 4)),
                        new TaskView(
                                "job-17.1",
                                1,
                                "dog.png",
                                SHA,
                                4,
                                TaskState.LEASED,
                                2,
                                "worker lost",
                                "w2",
                                40,
                                "resizing",
                                null)),
                "alice");
    }

    private static MemberStatus leader() {
        return new MemberStatus(
                "c1",
                "10.0.0.1:7300",
                "10.0.0.1:7400",
                "10.0.0.1:7500",
                "LEADER",
                3,
                4200,
                4200,
                4096,
                "c1",
                true,
                null);
    }

    private static MemberStatus unreachable() {
        return new MemberStatus(
                "c3",
                "10.0.0.3:7300",
                "10.0.0.3:7400",
                "10.0.0.3:7500",
                "UNREACHABLE",
                -1,
                -1,
                -1,
                -1,
                null,
                false,
                "connection refused");
    }
}
