package io.corral.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.protocol.ops.Operation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs the pipeline over real multi-megapixel photos fetched by {@code scripts/fetch-test-images.sh} (into
 * {@code target/test-images/}, or the directory in the {@code corral.testImages} system property). Skipped when they
 * are absent.
 */
@Tag("large-images")
class LargeImagesTest {
    @Test
    void processesRealWallpapers() throws Exception {
        Path dir = Paths.get(System.getProperty("corral.testImages", "../target/test-images"));
        List<Path> files = imagesUnder(dir);
        assumeTrue(!files.isEmpty(), "no images under " + dir.toAbsolutePath() + "; run scripts/fetch-test-images.sh");
        ImagePipeline pipeline = ImagePipeline.withDefaults();
        List<Operation> ops = Stream.of("thumbnail:400", "sharpen", "watermark:Corral", "format:webp,q=80")
                .map(Operation::parse)
                .toList();

        for (Path file : files) {
            PipelineResult result = pipeline.run(file, ops, ProgressListener.NONE);

            assertThat(Math.max(result.width(), result.height()))
                    .as(file.toString())
                    .isLessThanOrEqualTo(400);
            assertThat(TestImages.decode(result.bytes()).getWidth()).isEqualTo(result.width());
        }
    }

    private static List<Path> imagesUnder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p ->
                            p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(jpe?g|png)$"))
                    .filter(p -> p.toFile().length() > 100_000)
                    .limit(20)
                    .collect(Collectors.toList());
        }
    }
}
