package io.corral.worker.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.protocol.codec.Json;
import io.corral.protocol.images.ImageSniffer;
import io.corral.worker.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code corral-worker bench-pipeline} on the sample images of the quick start. No timing is asserted. */
class PipelineBenchTest {
    static final Path EXAMPLES = Path.of("../examples/images");

    record Run(int exitCode, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void processesEveryExampleImageAndReportsImagesPerSecond() throws Exception {
        Run r = run("bench-pipeline", "--op", "thumbnail:64", "--op", "format:png", "--json", EXAMPLES.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode doc = Json.mapper().readTree(r.out());
        assertThat(doc.get("images").asInt()).isEqualTo(4);
        assertThat(doc.get("failed").asInt()).isZero();
        assertThat(doc.get("threads").asInt()).isEqualTo(1);
        assertThat(doc.get("operations").toString()).contains("thumbnail:64", "format:png");
        assertThat(doc.get("imagesPerSecond").asDouble()).isPositive();
    }

    @Test
    void withThreadsAndAnOutputDirectoryItKeepsOneResultPerImage(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("results");

        Run r = run("bench-pipeline", "--threads", "3", "--warmup", "1", "--out", out.toString(), EXAMPLES.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("IMAGES        4 (", "THREADS       3", "IMAGES_PER_S  ");
        assertThat(r.out()).contains("OPERATIONS    resize:1024x1024,fit format:jpeg,q=85");
        List<Path> results;
        try (Stream<Path> files = Files.list(out)) {
            results = files.sorted().toList();
        }
        assertThat(results)
                .extracting(p -> p.getFileName().toString())
                .containsExactly("00000.jpeg", "00001.jpeg", "00002.jpeg", "00003.jpeg");
        for (Path p : results) {
            assertThat(ImageSniffer.detect(p)).contains("jpeg");
        }
    }

    @Test
    void aBadImageIsCountedAsAFailureLikeAFailedTask(@TempDir Path dir) throws Exception {
        Files.copy(EXAMPLES.resolve("forest.jpg"), dir.resolve("good.jpg"));
        // JPEG magic bytes, then nothing a decoder can use.
        Files.write(dir.resolve("bad.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 0, 0});

        Run r = run("bench-pipeline", "--json", dir.toString());

        assertThat(r.exitCode()).isEqualTo(1);
        JsonNode doc = Json.mapper().readTree(r.out());
        assertThat(doc.get("images").asInt()).isEqualTo(2);
        assertThat(doc.get("failed").asInt()).isEqualTo(1);
        assertThat(r.err()).contains("1 image(s) failed", "bad.jpg");
    }

    @Test
    void badArgumentsAreUsageErrors(@TempDir Path dir) {
        assertThat(run("bench-pipeline", "--threads", "0", EXAMPLES.toString()).exitCode())
                .isEqualTo(2);
        Run badOp = run("bench-pipeline", "--op", "rotate:45", EXAMPLES.toString());
        assertThat(badOp.exitCode()).isEqualTo(2);
        assertThat(badOp.err()).contains("rotate:45");
        Run missing = run("bench-pipeline", dir.resolve("absent").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("no such file or directory");
        Run empty = run("bench-pipeline", dir.toString());
        assertThat(empty.exitCode()).isEqualTo(2);
        assertThat(empty.err()).contains("no images under");
    }
}
