package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.images.ImageSniffer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFilesTest {
    @TempDir
    Path dir;

    @Test
    void directoriesAreWalkedRecursivelyInSortedOrderSkippingHiddenFiles() throws IOException {
        Path photos = dir.resolve("photos");
        TestImages.png(photos.resolve("b.png"));
        TestImages.png(photos.resolve("a.png"));
        TestImages.png(photos.resolve("nested/deeper/c.png"));
        TestImages.png(photos.resolve(".hidden.png"));
        TestImages.png(photos.resolve(".cache/d.png"));

        List<ImageFiles.Candidate> files = ImageFiles.collect(List.of(photos));

        assertThat(files)
                .extracting(ImageFiles.Candidate::name)
                .containsExactly("a.png", "b.png", "nested/deeper/c.png");
        assertThat(files.get(2).path()).isEqualTo(photos.resolve("nested/deeper/c.png"));
    }

    @Test
    void namedFilesKeepTheirOrderAndAreKeptOnce() throws IOException {
        Path z = TestImages.png(dir.resolve("z.png"));
        Path hidden = TestImages.png(dir.resolve("sub/.explicit.png"));
        TestImages.png(dir.resolve("sub/a.png"));

        List<ImageFiles.Candidate> files =
                ImageFiles.collect(List.of(z, hidden, dir.resolve("sub"), dir.resolve("sub/a.png")));

        // A hidden file named on the command line is a deliberate choice; a file reached twice is one task.
        assertThat(files).extracting(ImageFiles.Candidate::name).containsExactly("z.png", ".explicit.png", "a.png");
    }

    @Test
    void missingPathIsRefused() {
        assertThatThrownBy(() -> ImageFiles.collect(List.of(dir.resolve("nope.png"))))
                .isInstanceOfSatisfying(
                        CliException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("no such file or directory")
                .hasMessageContaining("nope.png");
    }

    @Test
    void directoryWithOnlyHiddenFilesLeavesNothingToSubmit() throws IOException {
        TestImages.png(dir.resolve("empty/.only-hidden.png"));
        assertThatThrownBy(() -> ImageFiles.collect(List.of(dir.resolve("empty"))))
                .hasMessageContaining("no files to submit");
    }

    @Test
    void nonImagesAreRefusedByContentAndListedByName() throws IOException {
        Path good = TestImages.png(dir.resolve("good.png"));
        Path notes = TestImages.text(dir.resolve("notes.txt"), "hello, not an image\n");
        Path disguised = TestImages.text(dir.resolve("fake.png"), "plain text with an image's name");
        List<ImageFiles.Candidate> files = ImageFiles.collect(List.of(good, notes, disguised));

        assertThatThrownBy(() -> ImageFiles.check(files, 1 << 20, ImageSniffer::detect))
                .isInstanceOfSatisfying(CliException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(2);
                    assertThat(e.code()).isEqualTo("BAD_REQUEST");
                })
                .hasMessageContaining("2 files are not images")
                .hasMessageContaining("nothing was uploaded")
                .hasMessageContaining(notes.toString())
                .hasMessageContaining(disguised.toString())
                .message()
                .doesNotContain(good.toString());
    }

    @Test
    void imagesPassTheCheck() throws IOException {
        List<ImageFiles.Candidate> files = ImageFiles.collect(List.of(TestImages.png(dir.resolve("ok.png"))));
        ImageFiles.check(files, 1 << 20, ImageSniffer::detect);
    }

    @Test
    void filesLargerThanTheLimitAreRefusedAsTooLarge() throws IOException {
        Path png = TestImages.png(dir.resolve("big.png"));
        long size = Files.size(png);
        List<ImageFiles.Candidate> files = ImageFiles.collect(List.of(png));

        assertThatThrownBy(() -> ImageFiles.check(files, size - 1, ImageSniffer::detect))
                .isInstanceOfSatisfying(CliException.class, e -> {
                    assertThat(e.code()).isEqualTo("TOO_LARGE");
                    assertThat(e.exitCode()).isEqualTo(2);
                })
                .hasMessageContaining("1 image is larger than --max-image-bytes=" + (size - 1))
                .hasMessageContaining("big.png");
    }
}
