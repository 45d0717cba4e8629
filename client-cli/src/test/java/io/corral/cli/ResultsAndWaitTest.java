package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.protocol.JobState;
import io.corral.protocol.JobView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskResultView;
import io.corral.protocol.TaskState;
import io.corral.protocol.TaskView;
import io.corral.protocol.codec.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code results}, {@code watch}, {@code submit --wait/--out} and {@code retry} against a fake cluster and clock. */
class ResultsAndWaitTest {
    static final byte[] PNG = bytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, "png-body");
    static final byte[] WEBP = "RIFF\0\0\0\0WEBPVP8 webp-body".getBytes(StandardCharsets.ISO_8859_1);
    static final byte[] JPEG = bytes(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}, "jpeg-body");

    @TempDir
    Path dir;

    /** Blob bytes by SHA-256, served in chunks of {@link #chunkBytes}. */
    final Map<String, byte[]> blobs = new HashMap<>();

    int chunkBytes = 1 << 20;
    final FakePacer pacer = new FakePacer();

    // ---------------------------------------------------------------- names

    @Test
    void fileNamesComeFromTheImageNameWithoutDirectoriesOrExtension() {
        assertThat(ResultFiles.stem("sub/dir/cat.jpeg", "job-1.0")).isEqualTo("cat");
        assertThat(ResultFiles.stem("../../etc/x.png", "job-1.0")).isEqualTo("x");
        assertThat(ResultFiles.stem("..\\..\\win\\y.png", "job-1.0")).isEqualTo("y");
        assertThat(ResultFiles.stem("..", "job-1.0")).isEqualTo("job-1.0");
        assertThat(ResultFiles.stem("...png", "job-1.0")).isEqualTo("job-1.0");
        assertThat(ResultFiles.stem(".hidden.png", "job-1.0")).isEqualTo("hidden");
        assertThat(ResultFiles.stem("a\nb.png", "job-1.0")).isEqualTo("a_b");
        assertThat(ResultFiles.stem("noext", "job-1.0")).isEqualTo("noext");
    }

    @Test
    void extensionsFollowTheOutputFormat() {
        assertThat(ResultFiles.extension(JPEG)).isEqualTo("jpg");
        assertThat(ResultFiles.extension(PNG)).isEqualTo("png");
        assertThat(ResultFiles.extension(WEBP)).isEqualTo("webp");
        assertThat(ResultFiles.extension("II*\0rest".getBytes(StandardCharsets.ISO_8859_1)))
                .isEqualTo("tif");
        assertThat(ResultFiles.extension("GIF89a...".getBytes(StandardCharsets.ISO_8859_1)))
                .isEqualTo("gif");
        assertThat(ResultFiles.extension("plain text".getBytes(StandardCharsets.ISO_8859_1)))
                .isEqualTo("bin");
    }

    @Test
    void collidingNamesGetNumberedSuffixesIgnoringCase() {
        ResultFiles.Namer namer = new ResultFiles.Namer();
        assertThat(namer.claim("a", "png")).isEqualTo("a.png");
        assertThat(namer.claim("a", "png")).isEqualTo("a-1.png");
        assertThat(namer.claim("A", "png")).isEqualTo("A-2.png");
        assertThat(namer.claim("a", "webp")).isEqualTo("a.webp");
        assertThat(namer.claim("a-1", "png")).isEqualTo("a-1-1.png");
    }

    @Test
    void aNameThatWouldLeaveTheDirectoryIsRefused() {
        assertThat(ResultFiles.inside(dir, "a.png")).isEqualTo(dir.resolve("a.png"));
        for (String bad : List.of("..", "../x.png", "sub/x.png", "")) {
            CliException e = catchCli(() -> ResultFiles.inside(dir, bad));
            assertThat(e).as(bad).isNotNull();
        }
    }

    // ---------------------------------------------------------------- results

    @Test
    void resultsWritesEverySucceededTaskInsideTheDirectoryAndSkipsTheOthers() throws Exception {
        JobView job = job(
                JobState.FAILED,
                done("job-1.0", "a.png", PNG),
                done("job-1.1", "sub/a.png", PNG),
                done("job-1.2", "../../etc/x.png", WEBP),
                task("job-1.3", "b.png", TaskState.FAILED, null),
                done("job-1.4", "photo.PNG", JPEG));
        Path out = dir.resolve("out");

        CliRunner.Result r = run(cluster(job), "results", "job-1", "--out", out.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(listing(out)).containsExactly("a-1.png", "a.png", "photo.jpg", "x.webp");
        assertThat(Files.readAllBytes(out.resolve("a.png"))).isEqualTo(PNG);
        assertThat(Files.readAllBytes(out.resolve("x.webp"))).isEqualTo(WEBP);
        assertThat(Files.exists(dir.resolve("etc"))).isFalse();
        assertThat(r.out())
                .contains("job-1.0  " + out.resolve("a.png"))
                .contains("job-1.1  " + out.resolve("a-1.png"))
                .contains("job-1.2  " + out.resolve("x.webp"));
        assertThat(r.out().lines()).hasSize(4);
        assertThat(r.err()).contains("skipped job-1.3 (b.png): FAILED");
    }

    @Test
    void resultsJsonIsAnArrayOfTaskFileShaAndSize() throws Exception {
        JobView job = job(JobState.SUCCEEDED, done("job-1.0", "a.png", PNG));
        Path out = dir.resolve("out");

        CliRunner.Result r = run(cluster(job), "results", "job-1", "--out", out.toString(), "-o", "json");

        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = Json.mapper().readTree(r.out());
        assertThat(json.isArray()).isTrue();
        assertThat(json.get(0).get("task").asText()).isEqualTo("job-1.0");
        assertThat(json.get(0).get("file").asText())
                .isEqualTo(out.resolve("a.png").toString());
        assertThat(json.get(0).get("sha256").asText()).isEqualTo(sha(PNG));
        assertThat(json.get(0).get("size").asLong()).isEqualTo(PNG.length);
    }

    @Test
    void resultsAreReadChunkByChunk() throws Exception {
        chunkBytes = 3;
        JobView job = job(JobState.SUCCEEDED, done("job-1.0", "a.png", PNG));
        FakeCluster cluster = cluster(job);

        CliRunner.Result r = run(cluster, "results", "job-1", "--out", dir.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(dir.resolve("a.png"))).isEqualTo(PNG);
        assertThat(cluster.retried.stream().filter(Request.ReadBlobChunk.class::isInstance))
                .hasSize((PNG.length + 2) / 3);
    }

    @Test
    void aCorruptResultFailsWithHashMismatchAndLeavesNoFile() throws Exception {
        JobView job = job(JobState.SUCCEEDED, done("job-1.0", "a.png", PNG), done("job-1.1", "b.png", WEBP));
        blobs.put(sha(PNG), bytes(PNG, "").clone());
        blobs.get(sha(PNG))[PNG.length - 1] ^= 1;
        Path out = dir.resolve("out");

        CliRunner.Result r = run(cluster(job), "results", "job-1", "--out", out.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("1 of 2 results could not be written").contains("job-1.0");
        assertThat(listing(out)).containsExactly("b.webp");
    }

    // ---------------------------------------------------------------- watch and wait

    @Test
    void watchPrintsOneLinePerChangeWithoutATerminalAndExitsZeroOnSuccess() {
        FakeCluster cluster = sequence(
                job(JobState.PENDING, task("job-1.0", "a.png", TaskState.PENDING, null)),
                job(JobState.LEASED, task("job-1.0", "a.png", TaskState.LEASED, null)),
                job(JobState.LEASED, task("job-1.0", "a.png", TaskState.LEASED, null)),
                job(JobState.SUCCEEDED, done("job-1.0", "a.png", PNG)));

        CliRunner.Result r = run(cluster, "watch", "job-1");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err())
                .isEqualTo(lines(
                        "job-1: 0/1 done, 1 pending", "job-1: 0/1 done, 1 running", "job-1: 1/1 done (SUCCEEDED)"));
        assertThat(r.out()).isEqualTo(lines("job-1: 1/1 done (SUCCEEDED)"));
        assertThat(pacer.pauses).containsExactly(500L, 500L, 500L);
        assertThat(cluster.retried).containsOnly(new Request.GetJob("job-1", false));
    }

    @Test
    void watchExitsOneWhenTheJobEndsFailed() throws Exception {
        FakeCluster cluster = sequence(
                job(JobState.DEAD, done("job-1.0", "a.png", PNG), task("job-1.1", "b.png", TaskState.DEAD, "boom")));

        CliRunner.Result r = run(cluster, "watch", "job-1", "-o", "json");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("job-1 ended DEAD (1 SUCCEEDED, 1 DEAD)");
        assertThat(Json.mapper().readTree(r.out()).get("state").asText()).isEqualTo("DEAD");
    }

    @Test
    void waitTimeoutGivesUpWithExitCodeFour() {
        FakeCluster cluster = new FakeCluster()
                .on(
                        Request.GetJob.class,
                        g -> new Response.JobDetail(
                                job(JobState.LEASED, task("job-1.0", "a.png", TaskState.LEASED, null))));

        CliRunner.Result r = run(cluster, "watch", "job-1", "--wait-timeout", "2s");

        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.err()).contains("job-1 is still LEASED after 2s", "corral watch job-1");
        assertThat(pacer.nowMs).isEqualTo(2_000);
    }

    @Test
    void onATerminalTheProgressLineIsRedrawnInPlace() {
        StringWriter err = new StringWriter();
        JobWatch.Display display = new JobWatch.Display(new PrintWriter(err), true);

        display.show(job(
                JobState.LEASED,
                done("job-1.0", "a.png", PNG),
                task("job-1.1", "b.png", TaskState.LEASED, null),
                task("job-1.2", "c.png", TaskState.LEASED, null),
                done("job-1.3", "d.png", PNG)));
        display.show(job(JobState.SUCCEEDED, done("job-1.0", "a.png", PNG)));
        display.end();

        assertThat(err.toString())
                .startsWith("\r[##########..........] job-1: 2/4 done, 2 running")
                .contains("\r[####################] job-1: 1/1 done (SUCCEEDED)")
                .endsWith(System.lineSeparator());
        assertThat(err.toString().split(System.lineSeparator()))
                .as("one line, redrawn")
                .hasSize(1);
    }

    @Test
    void submitWaitPrintsTheIdFirstAndExitsOneIfTheJobFailed() throws IOException {
        TestImages.png(dir.resolve("in/a.png"));
        FakeCluster cluster = sequence(
                        job(JobState.PENDING, task("job-1.0", "a.png", TaskState.PENDING, null)),
                        job(JobState.FAILED, task("job-1.0", "a.png", TaskState.FAILED, "cannot decode")))
                .on(Request.SubmitJob.class, s -> new Response.JobSubmitted("job-1", true));

        CliRunner.Result r = run(cluster, "submit", "--wait", dir.resolve("in").toString());

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).isEqualTo(lines("job-1"));
        assertThat(r.err()).contains("job-1: 1/1 done, 1 failed (FAILED)", "job-1 ended FAILED");
    }

    @Test
    void submitOutWaitsThenDownloadsTheResults() throws IOException {
        TestImages.png(dir.resolve("in/a.png"));
        TestImages.png(dir.resolve("in/sub/a.png"));
        FakeCluster cluster = sequence(
                        job(
                                JobState.LEASED,
                                task("job-1.0", "a.png", TaskState.LEASED, null),
                                task("job-1.1", "sub/a.png", TaskState.PENDING, null)),
                        job(JobState.SUCCEEDED, done("job-1.0", "a.png", WEBP), done("job-1.1", "sub/a.png", WEBP)))
                .on(Request.SubmitJob.class, s -> new Response.JobSubmitted("job-1", true));
        Path out = dir.resolve("results");

        CliRunner.Result r = run(
                cluster,
                "submit",
                "--op",
                "format:webp",
                "--out",
                out.toString(),
                dir.resolve("in").toString(),
                "-o",
                "json");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(listing(out)).containsExactly("a-1.webp", "a.webp");
        JsonNode json = Json.mapper().readTree(r.out());
        assertThat(json.get("id").asText()).isEqualTo("job-1");
        assertThat(json.get("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(json.get("results")).hasSize(2);
        assertThat(json.get("results").get(1).get("file").asText())
                .isEqualTo(out.resolve("a-1.webp").toString());
    }

    @Test
    void submitOutMustNotBeAFile() throws IOException {
        TestImages.png(dir.resolve("in/a.png"));
        Path file = Files.writeString(dir.resolve("taken"), "x");
        FakeCluster cluster = new FakeCluster();

        CliRunner.Result r = run(
                cluster, "submit", "--out", file.toString(), dir.resolve("in").toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("is not a directory");
        assertThat(cluster.connections).isEmpty();
    }

    // ---------------------------------------------------------------- retry

    @Test
    void retryIsSentOnceAndSaysHowManyTasksWentBack() throws Exception {
        FakeCluster cluster = new FakeCluster().on(Request.RetryTasks.class, t -> new Response.TasksRetried(2));

        CliRunner.Result table = run(cluster, "retry", "job-1");
        CliRunner.Result json = run(cluster, "retry", "job-1.3", "-o", "json");

        assertThat(table.out()).isEqualTo(lines("put 2 tasks of job-1 back to PENDING"));
        assertThat(Json.mapper().readTree(json.out()).get("retried").asInt()).isEqualTo(2);
        assertThat(cluster.requests)
                .containsExactly(new Request.RetryTasks("job-1"), new Request.RetryTasks("job-1.3"));
        assertThat(cluster.retried).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    CliRunner.Result run(FakeCluster cluster, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(new Main(Map.of(Main.COORDINATORS_ENV, "fake:7000"), cluster, pacer, false));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRunner.Result(code, out.toString(), err.toString());
    }

    /** Answers GetJob with the job and ReadBlobChunk from {@link #blobs}. */
    FakeCluster cluster(JobView job) {
        return withBlobs(new FakeCluster().on(Request.GetJob.class, g -> new Response.JobDetail(job)));
    }

    /** Answers successive GetJob calls with the views in turn, the last one from then on. */
    FakeCluster sequence(JobView... views) {
        List<JobView> left = new ArrayList<>(List.of(views));
        return withBlobs(new FakeCluster()
                .on(Request.GetJob.class, g -> new Response.JobDetail(left.size() > 1 ? left.remove(0) : left.get(0))));
    }

    private FakeCluster withBlobs(FakeCluster cluster) {
        return cluster.on(Request.ReadBlobChunk.class, read -> {
            byte[] all = blobs.get(read.sha256());
            int chunks = Math.max(1, (all.length + chunkBytes - 1) / chunkBytes);
            int from = read.index() * chunkBytes;
            byte[] data = Arrays.copyOfRange(all, from, Math.min(all.length, from + chunkBytes));
            return new Response.BlobChunk(read.sha256(), read.index(), chunks, data);
        });
    }

    static JobView job(JobState state, TaskView... tasks) {
        Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
        for (TaskView t : tasks) {
            counts.merge(t.state(), 1, Integer::sum);
        }
        return new JobView(
                "job-1", state, 0, 3, 0, List.of(), Map.of(), "k", 1, 0, false, counts, List.of(tasks), null);
    }

    TaskView done(String id, String image, byte[] result) {
        blobs.putIfAbsent(sha(result), result);
        return new TaskView(
                id,
                0,
                image,
                "in",
                1,
                TaskState.SUCCEEDED,
                1,
                null,
                "w1",
                100,
                null,
                new TaskResultView(sha(result), result.length));
    }

    static TaskView task(String id, String image, TaskState state, String error) {
        return new TaskView(id, 0, image, "in", 1, state, 1, error, null, -1, null, null);
    }

    static String sha(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] bytes(byte[] head, String tail) {
        byte[] t = tail.getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = Arrays.copyOf(head, head.length + t.length);
        System.arraycopy(t, 0, all, head.length, t.length);
        return all;
    }

    static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static String lines(String... lines) {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append(System.lineSeparator());
        }
        return sb.toString();
    }

    static CliException catchCli(Runnable r) {
        try {
            r.run();
            return null;
        } catch (CliException e) {
            return e;
        }
    }

    /** Time that moves only when the command pauses. */
    static final class FakePacer implements JobWatch.Pacer {
        long nowMs;
        final List<Long> pauses = new ArrayList<>();

        @Override
        public long nowMs() {
            return nowMs;
        }

        @Override
        public void pause(long ms) {
            pauses.add(ms);
            nowMs += ms;
        }
    }
}
