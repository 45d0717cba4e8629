package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.codec.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubmitCommandTest {
    @TempDir
    Path dir;

    private final FakeCluster cluster =
            new FakeCluster().on(Request.SubmitJob.class, r -> new Response.JobSubmitted("job-1", true));

    @Test
    void uploadsEveryImageThenSubmitsOneJobWithARandomIdempotencyKey() throws IOException {
        TestImages.png(dir.resolve("photos/a.png"));
        TestImages.png(dir.resolve("photos/sub/b.png"));

        CliRunner.Result result = CliRunner.run(
                cluster,
                "submit",
                "--op",
                "resize:800x600",
                "--op",
                "FORMAT:jpg,q=80",
                "--priority",
                "5",
                "--label",
                "team=web",
                dir.resolve("photos").toString());

        assertThat(result.err()).isEmpty();
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).isEqualTo("job-1" + System.lineSeparator());
        assertThat(cluster.uploads).hasSize(2);
        Request.SubmitJob sent = (Request.SubmitJob) cluster.requests.get(0);
        assertThat(sent.images()).extracting(ImageRef::name).containsExactly("a.png", "sub/b.png");
        assertThat(sent.operations()).containsExactly("resize:800x600,fit", "format:jpeg,q=80");
        assertThat(sent.priority()).isEqualTo(5);
        assertThat(sent.maxAttempts()).isEqualTo(3);
        assertThat(sent.taskTimeoutMs())
                .as("no --task-timeout: the worker's default")
                .isZero();
        assertThat(sent.labels()).containsExactly(Map.entry("team", "web"));
        assertThat(UUID.fromString(sent.idempotencyKey())).isNotNull();
        // Retrying is safe only because the key is there.
        assertThat(cluster.retried).containsExactly(sent);
    }

    @Test
    void jsonOutputHasTheJobIdAndTheImages() throws IOException {
        Path png = TestImages.png(dir.resolve("one.png"));

        CliRunner.Result result =
                CliRunner.run(cluster, "-o", "json", "submit", "--idempotency-key", "nightly-42", png.toString());

        assertThat(result.exitCode()).isZero();
        JsonNode json = Json.mapper().readTree(result.out());
        assertThat(json.get("id").asText()).isEqualTo("job-1");
        assertThat(json.get("created").asBoolean()).isTrue();
        assertThat(json.get("tasks").asInt()).isEqualTo(1);
        assertThat(json.get("images").get(0).get("name").asText()).isEqualTo("one.png");
        assertThat(cluster.connections)
                .as("a submission's uploads and its job go to the leader")
                .singleElement()
                .extracting(ClusterSession.Settings::followLeader)
                .isEqualTo(true);
        assertThat(json.get("images").get(0).get("sha256").asText()).hasSize(64);
        assertThat(((Request.SubmitJob) cluster.requests.get(0)).idempotencyKey())
                .isEqualTo("nightly-42");
    }

    @Test
    void aNonImageRefusesTheWholeSubmissionBeforeAnyUpload() throws IOException {
        Path png = TestImages.png(dir.resolve("in/a.png"));
        TestImages.text(dir.resolve("in/readme.txt"), "not an image");

        CliRunner.Result result =
                CliRunner.run(cluster, "submit", dir.resolve("in").toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err())
                .startsWith("corral: refusing to submit: 1 file is not an image")
                .contains("readme.txt");
        assertThat(result.err()).doesNotContain(png.toString());
        assertThat(cluster.connections).isEmpty();
        assertThat(cluster.uploads).isEmpty();
    }

    @Test
    void aBadOperationIsRefusedWithTheGrammarsMessageBeforeAnyUpload() throws IOException {
        Path png = TestImages.png(dir.resolve("a.png"));

        CliRunner.Result result = CliRunner.run(cluster, "submit", "--op", "resize:big", png.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err())
                .isEqualTo("corral: invalid --op 'resize:big': expected WxH such as 800x600, got 'big'"
                        + System.lineSeparator());
        assertThat(cluster.connections).isEmpty();
    }

    @Test
    void anUnknownOperationListsTheGrammar() throws IOException {
        Path png = TestImages.png(dir.resolve("a.png"));

        CliRunner.Result result = CliRunner.run(cluster, "-o", "json", "submit", "--op", "sepia", png.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("unknown operation 'sepia'").contains("thumbnail:N");
        JsonNode error = Json.mapper().readTree(result.out()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("BAD_REQUEST");
        assertThat(error.get("message").asText()).contains("sepia");
    }

    @Test
    void badLabelsAndRangesAreUsageErrors() throws IOException {
        String png = TestImages.png(dir.resolve("a.png")).toString();

        assertThat(CliRunner.run(cluster, "submit", "--label", "team", png).err())
                .contains("label 'team' is not of the form key=value");
        assertThat(CliRunner.run(cluster, "submit", "--priority", "5000", png).exitCode())
                .isEqualTo(2);
        assertThat(CliRunner.run(cluster, "submit", "--max-attempts", "0", png).err())
                .contains("--max-attempts 0 is outside 1..");
        assertThat(CliRunner.run(cluster, "submit", "--max-image-bytes", "lots", png)
                        .err())
                .contains("invalid size 'lots'");
        assertThat(cluster.connections).isEmpty();
    }

    @Test
    void taskTimeoutIsSentInMilliseconds() throws IOException {
        String png = TestImages.png(dir.resolve("a.png")).toString();

        CliRunner.Result result = CliRunner.run(cluster, "submit", "--task-timeout", "1m30s", png);

        assertThat(result.err()).isEmpty();
        assertThat(result.exitCode()).isZero();
        assertThat(((Request.SubmitJob) cluster.requests.get(0)).taskTimeoutMs())
                .isEqualTo(90_000);
    }

    @Test
    void aBadTaskTimeoutIsAUsageErrorBeforeAnyUpload() throws IOException {
        String png = TestImages.png(dir.resolve("a.png")).toString();

        CliRunner.Result noUnit = CliRunner.run(cluster, "submit", "--task-timeout", "30", png);
        CliRunner.Result tooShort = CliRunner.run(cluster, "submit", "--task-timeout", "500ms", png);
        CliRunner.Result zero = CliRunner.run(cluster, "submit", "--task-timeout", "0s", png);
        CliRunner.Result tooLong = CliRunner.run(cluster, "submit", "--task-timeout", "25h", png);

        assertThat(noUnit.exitCode()).isEqualTo(2);
        assertThat(noUnit.err()).contains("--task-timeout").contains("'30' has no unit");
        assertThat(tooShort.exitCode()).isEqualTo(2);
        assertThat(tooShort.err())
                .isEqualTo("corral: --task-timeout must be between 1s and 1d, got 500ms" + System.lineSeparator());
        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.err()).contains("--task-timeout must be between 1s and 1d, got 0s");
        assertThat(tooLong.exitCode()).isEqualTo(2);
        assertThat(tooLong.err()).contains("got 1d1h");
        assertThat(cluster.connections).isEmpty();
    }

    @Test
    void maxImageBytesAcceptsBinarySuffixes() {
        assertThat(ByteSizes.parse("50MiB")).isEqualTo(50L * 1024 * 1024);
        assertThat(ByteSizes.parse("512k")).isEqualTo(512L * 1024);
        assertThat(ByteSizes.parse("1GiB")).isEqualTo(1L << 30);
        assertThat(ByteSizes.parse("1234")).isEqualTo(1234);
    }

    @Test
    void aFileOverTheLimitIsRefusedAsTooLarge() throws IOException {
        String png = TestImages.png(dir.resolve("a.png")).toString();

        CliRunner.Result result = CliRunner.run(cluster, "submit", "--max-image-bytes", "10", png);

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("larger than --max-image-bytes=10");
        assertThat(cluster.uploads).isEmpty();
    }

    @Test
    void aMatchedIdempotencyKeyIsReportedOnStderr() throws IOException {
        String png = TestImages.png(dir.resolve("a.png")).toString();
        FakeCluster again =
                new FakeCluster().on(Request.SubmitJob.class, r -> new Response.JobSubmitted("job-0", false));

        CliRunner.Result result = CliRunner.run(again, "submit", "--idempotency-key", "k", png);

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).isEqualTo("job-0" + System.lineSeparator());
        assertThat(result.err()).contains("matches an earlier submission");
    }
}
