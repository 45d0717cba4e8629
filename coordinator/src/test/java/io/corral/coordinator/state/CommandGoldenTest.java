package io.corral.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.corral.auth.Role;
import io.corral.protocol.ImageRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The log format is a contract between versions: every command's encoding is pinned in a golden file. Regenerate on
 * purpose only, with {@code -Dgolden.update=true}, and review the diff.
 */
class CommandGoldenTest {
    private static final Path DIR = Path.of("src/test/resources/golden/commands");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");
    private static final long NOW_MS = 1_700_000_000_000L;
    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    /** One sample per command; PutChunk without data, since its bytes travel outside the entry. */
    static Map<Class<?>, Command> samples() {
        List<Command> all = List.of(
                new Command.SubmitJob(
                        List.of(new ImageRef("cat.jpg", SHA, 123_456), new ImageRef("dog.png", SHA, 123_456)),
                        List.of("resize:800x600,fit", "format:webp,q=80"),
                        5,
                        3,
                        600_000,
                        Map.of("team", "web", "batch", "2024-06"),
                        "upload-42",
                        "alice"),
                new Command.CancelJob("job-17", new Caller("alice", Role.SUBMITTER)),
                new Command.AcquireLock("reports/daily", "host-a:4242", 30_000, 5_000, "alice"),
                new Command.ReleaseLock("reports/daily", 99, new Caller("alice", Role.SUBMITTER)),
                new Command.RenewLock("reports/daily", 99, new Caller("ops", Role.ADMIN)),
                new Command.ExpireLock("reports/daily", 99),
                new Command.CancelLockWait("reports/daily", 101),
                new Command.PutChunk(SHA, 123_456, 0, 123_456, null, "alice", SHA),
                new Command.SealBlob(SHA, 123_456, 1, "alice"),
                new Command.CollectGarbage(86_400_000, 3_600_000, 7_200_000, 500),
                new Command.LeaseTasks("worker-a.7f3c", 4, 30_000),
                new Command.SubmitAndLease(
                        new Command.SubmitJob(
                                List.of(new ImageRef("cat.jpg", SHA, 123_456)),
                                List.of("thumbnail:256"),
                                0,
                                3,
                                0,
                                Map.of(),
                                null),
                        List.of(new Command.LeaseTasks("worker-a.7f3c", 1, 30_000))),
                new Command.ExtendLeases(
                        "worker-a.7f3c",
                        List.of(new Command.LeaseRef("job-17.0", 41), new Command.LeaseRef("job-17.1", 41)),
                        30_000),
                new Command.ReleaseLeases("worker-a.7f3c", List.of(new Command.LeaseRef("job-17.2", 44))),
                new Command.CompleteTask("w-3", "job-17.0", 41, SHA, 4_096, "render"),
                new Command.FailTask("w-3", "job-17.1", 41, "not an image: text/plain", false, 1_000, 60_000),
                new Command.ReportProgress("w-3", "job-17.0", 41, 50, "resized"),
                new Command.ExpireLease("job-17.1", 41, 1_000, 60_000),
                new Command.ExtendAllLeases(15_000),
                new Command.RetryTasks("job-17", new Caller("alice", Role.SUBMITTER)),
                new Command.Probe("n2"),
                new Command.Batch(List.of(
                        new Command.SubmitJob(
                                List.of(new ImageRef("cat.jpg", SHA, 123_456)),
                                List.of("thumbnail:256"),
                                0,
                                3,
                                0,
                                Map.of(),
                                null,
                                "alice"),
                        new Command.CompleteTask("w-3", "job-17.0", 41, SHA, 4_096, "render"),
                        new Command.CancelJob("job-18", new Caller("alice", Role.SUBMITTER)))));
        Map<Class<?>, Command> out = new LinkedHashMap<>();
        all.forEach(c -> out.put(c.getClass(), c));
        return out;
    }

    @Test
    void everyCommandHasASample() {
        assertThat(samples().keySet()).containsExactlyInAnyOrder(Command.class.getPermittedSubclasses());
    }

    @TestFactory
    Stream<DynamicTest> encodingsMatchTheGoldenFiles() {
        Map<Class<?>, Command> samples = samples();
        return Arrays.stream(Command.class.getPermittedSubclasses())
                .map(type -> DynamicTest.dynamicTest(type.getSimpleName(), () -> {
                    Command sample = samples.get(type);
                    assertThat(sample).as("sample of %s", type.getSimpleName()).isNotNull();
                    compareWithGolden(type.getSimpleName(), new Entry(NOW_MS, sample, "2f0c81e5-client/42"));
                }));
    }

    private static void compareWithGolden(String name, Entry entry) throws IOException {
        String json = Codec.toPrettyJson(entry).replace("\r\n", "\n") + "\n";
        Path file = DIR.resolve(name + ".json");
        if (UPDATE) {
            Files.createDirectories(DIR);
            Files.writeString(file, json);
        }
        assertThat(file)
                .as("golden file for %s; run the tests with -Dgolden.update=true to create it", name)
                .exists();
        String golden = Files.readString(file);
        assertThat(json).as("encoding of %s differs from %s", name, file).isEqualTo(golden);
        assertThat(Codec.fromJson(golden)).isEqualTo(entry);
        assertThat(Codec.decodeEntry(Codec.encodeEntry(entry))).isEqualTo(entry);
    }

    @Test
    void entriesWrittenBeforeRequestIdsDecodeWithoutOne() {
        String old = "{\"nowMs\":1700000000000,\"command\":{\"type\":\"CancelJob\",\"jobId\":\"job-17\"}}";
        assertThat(Codec.fromJson(old)).isEqualTo(new Entry(NOW_MS, new Command.CancelJob("job-17"), null));
    }

    /** Entries from before commands carried their caller apply as they did then: no owner, nothing refused. */
    @Test
    void commandsWrittenBeforeOwnershipDecodeWithoutACaller() {
        String release =
                "{\"nowMs\":1700000000000,\"command\":{\"type\":\"ReleaseLock\",\"name\":\"l\"," + "\"token\":99}}";
        assertThat(Codec.fromJson(release).command()).isEqualTo(new Command.ReleaseLock("l", 99, null));
        String acquire = "{\"nowMs\":1700000000000,\"command\":{\"type\":\"AcquireLock\",\"name\":\"l\","
                + "\"owner\":\"me\",\"ttlMs\":1000,\"waitMs\":0}}";
        assertThat(Codec.fromJson(acquire).command()).isEqualTo(new Command.AcquireLock("l", "me", 1000, 0, null));
        String retry = "{\"nowMs\":1700000000000,\"command\":{\"type\":\"RetryTasks\",\"id\":\"job-1\"}}";
        assertThat(Codec.fromJson(retry).command()).isEqualTo(new Command.RetryTasks("job-1", null));
    }

    /** Entries from before lease commands named their worker apply as they did then (no holder check). */
    @Test
    void leaseCommandsWrittenBeforeTheyNamedTheirWorkerDecodeWithoutOne() {
        String complete = "{\"nowMs\":1700000000000,\"command\":{\"type\":\"CompleteTask\",\"taskId\":\"job-17.0\","
                + "\"token\":41,\"resultSha256\":\"" + SHA + "\",\"resultSize\":4096}}";
        assertThat(Codec.fromJson(complete))
                .isEqualTo(new Entry(NOW_MS, new Command.CompleteTask(null, "job-17.0", 41, SHA, 4_096), null));
        String progress = "{\"nowMs\":1700000000000,\"command\":{\"type\":\"ReportProgress\",\"taskId\":\"job-17.0\","
                + "\"token\":41,\"percent\":50,\"message\":\"resized\"}}";
        assertThat(Codec.fromJson(progress))
                .isEqualTo(new Entry(NOW_MS, new Command.ReportProgress(null, "job-17.0", 41, 50, "resized"), null));
    }

    @Test
    void noGoldenFileWithoutACommand() throws IOException {
        List<String> expected = new ArrayList<>();
        for (Class<?> type : Command.class.getPermittedSubclasses()) {
            expected.add(type.getSimpleName() + ".json");
        }
        try (Stream<Path> files = Files.list(DIR)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    /** The dispatch is an if-chain (no pattern switch in Java 17): this catches a command added without a branch. */
    @Test
    void everyCommandHasAHandler() {
        for (Command sample : samples().values()) {
            Command command = sample instanceof Command.PutChunk c ? c.withData(new byte[c.length()]) : sample;
            assertThatCode(() -> new CoreHarness().apply(command))
                    .as(command.getClass().getSimpleName())
                    .doesNotThrowAnyException();
        }
    }
}
