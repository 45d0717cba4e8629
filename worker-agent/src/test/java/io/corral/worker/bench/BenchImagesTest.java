package io.corral.worker.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.worker.Main;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code corral-worker bench-images}: distinct JPEGs within the size bounds, the same ones for the same seed. */
class BenchImagesTest {
    @TempDir
    Path dir;

    /** A noisy picture (a flat one would compress to almost nothing and hide mistakes in the sizes). */
    static Path jpeg(Path file, int width, int height) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(width * 31L + height);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (x * 255 / width) << 16 | (y * 255 / height) << 8 | random.nextInt(64));
            }
        }
        ImageIO.write(image, "jpeg", file.toFile());
        return file;
    }

    static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        return cl.execute(args);
    }

    static List<Path> files(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }

    @Test
    void writesDistinctJpegsWithinTheBoundsAndTheSameOnesForTheSameSeed() throws Exception {
        Path src = dir.resolve("src");
        jpeg(src.resolve("wide.jpg"), 1600, 900);
        jpeg(src.resolve("tall.jpg"), 800, 1200);
        jpeg(src.resolve("small.jpg"), 300, 200); // below --min-mp: never used

        assertThat(run(
                        "bench-images",
                        "--out",
                        dir.resolve("a").toString(),
                        "--count",
                        "6",
                        "--min-mp",
                        "0.2",
                        "--max-mp",
                        "1.2",
                        src.toString()))
                .isZero();
        assertThat(run(
                        "bench-images",
                        "--out",
                        dir.resolve("b").toString(),
                        "--count",
                        "6",
                        "--min-mp",
                        "0.2",
                        "--max-mp",
                        "1.2",
                        src.toString()))
                .isZero();

        List<Path> a = files(dir.resolve("a"));
        assertThat(a).hasSize(6);
        Set<String> contents = new HashSet<>();
        for (Path p : a) {
            BufferedImage image = ImageIO.read(p.toFile());
            double mp = image.getWidth() * (double) image.getHeight() / 1e6;
            assertThat(mp).as(p.toString()).isBetween(0.19, 1.21);
            assertThat(p.getFileName().toString()).doesNotContain("small").endsWith(".jpg");
            contents.add(new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        assertThat(contents).as("distinct bytes").hasSize(6);
        List<Path> b = files(dir.resolve("b"));
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i).getFileName()).isEqualTo(a.get(i).getFileName());
            assertThat(Files.readAllBytes(b.get(i))).isEqualTo(Files.readAllBytes(a.get(i)));
        }
    }

    @Test
    void ofOneWallpaperInSeveralResolutionsOnlyTheLargestIsASource() throws Exception {
        Path wallpaper = dir.resolve("Autumn/contents/images");
        jpeg(wallpaper.resolve("640x480.jpg"), 640, 480);
        jpeg(wallpaper.resolve("1280x960.jpg"), 1280, 960);
        Path other = jpeg(dir.resolve("photo.jpg"), 900, 600);

        List<BenchImages.Source> sources = BenchImages.usableSources(ImageFileList.collect(null, List.of(dir)), 0.2);

        List<String> names = new ArrayList<>();
        sources.forEach(s -> names.add(dir.relativize(s.path()).toString()));
        assertThat(names)
                .containsExactly(
                        "Autumn/contents/images/1280x960.jpg",
                        other.getFileName().toString());
        BenchImages.Crop crop = BenchImages.plan(sources, 1, 0.2, 0.5, 1).get(0);
        assertThat(BenchImages.name(crop)).matches("0000-(Autumn|photo)-\\d+x\\d+\\.jpg");
    }

    @Test
    void refusesANonEmptyOutputAndSourcesWithNoLargeEnoughPhoto() throws Exception {
        jpeg(dir.resolve("src/small.jpg"), 300, 200);
        Files.createDirectories(dir.resolve("full"));
        Files.writeString(dir.resolve("full/x"), "x");

        assertThat(run(
                        "bench-images",
                        "--out",
                        dir.resolve("out").toString(),
                        dir.resolve("src").toString()))
                .isEqualTo(2);
        jpeg(dir.resolve("src/big.jpg"), 2000, 1200);
        assertThat(run(
                        "bench-images",
                        "--out",
                        dir.resolve("full").toString(),
                        "--count",
                        "1",
                        dir.resolve("src").toString()))
                .isEqualTo(2);
        assertThat(run(
                        "bench-images",
                        "--out",
                        dir.resolve("o").toString(),
                        "--min-mp",
                        "3",
                        "--max-mp",
                        "2",
                        dir.resolve("src").toString()))
                .isEqualTo(2);
    }
}
