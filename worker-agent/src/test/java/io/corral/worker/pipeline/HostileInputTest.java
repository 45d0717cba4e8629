package io.corral.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.corral.protocol.ops.Operation;
import io.corral.worker.pipeline.PipelineException.Reason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every hostile input fails with its reason, and the same pipeline instance still works afterwards. */
class HostileInputTest {
    private static final List<Operation> THUMBNAIL = List.of(Operation.parse("thumbnail:32"));

    private final ImagePipeline pipeline = ImagePipeline.withDefaults();

    @AfterEach
    void pipelineStillWorks() throws Exception {
        byte[] png = TestImages.encode(TestImages.halves(64, 64, BufferedImage.TYPE_INT_RGB), "png");
        assertThat(pipeline.run(png, THUMBNAIL, ProgressListener.NONE).width()).isEqualTo(32);
    }

    private PipelineException failure(byte[] input) {
        return catchThrowableOfType(
                PipelineException.class, () -> pipeline.run(input, THUMBNAIL, ProgressListener.NONE));
    }

    @Test
    void decompressionBombIsRefusedFromItsHeader() {
        byte[] bomb = TestImages.pngDeclaring(100_000, 100_000);
        assertThat(bomb.length).isLessThan(200);

        PipelineException e = failure(bomb);

        assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_PIXELS);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage())
                .isEqualTo("too many pixels: image declares 100000x100000 = 10000000000 pixels; the limit is 50000000");
    }

    @Test
    void justOverThePixelLimitIsRefused() {
        ImagePipeline small = new ImagePipeline(PipelineLimits.defaults().withMaxPixels(9_999));

        PipelineException e = catchThrowableOfType(
                PipelineException.class,
                () -> small.run(TestImages.pngDeclaring(100, 100), THUMBNAIL, ProgressListener.NONE));

        assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_PIXELS);
    }

    @Test
    void truncatedJpegIsCorrupt() {
        byte[] jpeg = TestImages.encode(TestImages.halves(300, 200, BufferedImage.TYPE_INT_RGB), "jpeg");

        PipelineException e = failure(Arrays.copyOf(jpeg, jpeg.length / 2));

        assertThat(e.reason()).isEqualTo(Reason.CORRUPT);
        assertThat(e.getMessage()).startsWith("corrupt: ").contains("jpeg");
    }

    @Test
    void truncatedPngIsCorrupt() {
        byte[] png = TestImages.encode(TestImages.halves(300, 200, BufferedImage.TYPE_INT_RGB), "png");

        assertThat(failure(Arrays.copyOf(png, png.length / 2)).reason()).isEqualTo(Reason.CORRUPT);
    }

    @Test
    void headerOnlyIsCorrupt() {
        byte[] png = TestImages.encode(TestImages.halves(300, 200, BufferedImage.TYPE_INT_RGB), "png");

        assertThat(failure(Arrays.copyOf(png, 40)).reason()).isEqualTo(Reason.CORRUPT);
    }

    @Test
    void randomBytesAreNotAnImage() {
        byte[] random = new byte[4096];
        new Random(7).nextBytes(random);
        random[0] = 0x12;

        assertThat(failure(random).reason()).isEqualTo(Reason.NOT_AN_IMAGE);
    }

    @Test
    void randomBytesBehindAJpegMagicAreCorrupt() {
        byte[] random = new byte[4096];
        new Random(7).nextBytes(random);
        random[0] = (byte) 0xFF;
        random[1] = (byte) 0xD8;
        random[2] = (byte) 0xFF;

        assertThat(failure(random).reason()).isEqualTo(Reason.CORRUPT);
    }

    @Test
    void zeroBytesAreNotAnImage() {
        PipelineException e = failure(new byte[0]);

        assertThat(e.reason()).isEqualTo(Reason.NOT_AN_IMAGE);
        assertThat(e.getMessage()).contains("0 bytes");
    }

    @Test
    void textFileNamedJpgIsNotAnImage(@TempDir Path dir) throws IOException {
        Path fake = Files.writeString(dir.resolve("holiday.jpg"), "BMW owners club newsletter\n".repeat(20));

        PipelineException e = catchThrowableOfType(
                PipelineException.class, () -> pipeline.run(fake, THUMBNAIL, ProgressListener.NONE));

        assertThat(e.reason()).isEqualTo(Reason.NOT_AN_IMAGE);
    }

    @Test
    void oversizedInputIsRefusedBeforeItIsRead(@TempDir Path dir) throws IOException {
        ImagePipeline small = new ImagePipeline(PipelineLimits.defaults().withMaxInputBytes(100));
        byte[] png = TestImages.encode(TestImages.halves(300, 200, BufferedImage.TYPE_INT_RGB), "png");
        Path file = Files.write(dir.resolve("big.png"), png);

        PipelineException fromPath =
                catchThrowableOfType(PipelineException.class, () -> small.run(file, THUMBNAIL, ProgressListener.NONE));
        PipelineException fromBytes =
                catchThrowableOfType(PipelineException.class, () -> small.run(png, THUMBNAIL, ProgressListener.NONE));

        assertThat(fromPath.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(fromPath.getMessage()).contains(png.length + " bytes; the limit is 100");
        assertThat(fromBytes.reason()).isEqualTo(Reason.TOO_LARGE);
    }

    @Test
    void endlessStreamIsCutAtTheLimit() {
        ImagePipeline small = new ImagePipeline(PipelineLimits.defaults().withMaxInputBytes(1 << 20));
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                Arrays.fill(b, off, off + len, (byte) 0);
                return len;
            }
        };

        PipelineException e = catchThrowableOfType(
                PipelineException.class, () -> small.run(endless, THUMBNAIL, ProgressListener.NONE));

        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
    }

    @Test
    void tooManyFramesAreRefused() throws IOException {
        byte[] gif = AnimatedGifs.frames(5, 8, 8);
        ImagePipeline strict = new ImagePipeline(PipelineLimits.defaults().withMaxFrames(3));

        PipelineException e =
                catchThrowableOfType(PipelineException.class, () -> strict.run(gif, THUMBNAIL, ProgressListener.NONE));

        assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_FRAMES);
        assertThat(e.getMessage()).contains("5 frames; the limit is 3");
    }

    @Test
    void animatedGifKeepsTheFirstFrame() throws Exception {
        byte[] gif = AnimatedGifs.frames(5, 8, 8);

        PipelineResult result = pipeline.run(gif, List.of(Operation.parse("format:png")), ProgressListener.NONE);

        BufferedImage out = TestImages.decode(result.bytes());
        assertThat(out.getRGB(4, 4) & 0xFFFFFF).isEqualTo(AnimatedGifs.colorOf(0));
    }

    @Test
    void outputAboveItsLimitFails() {
        ImagePipeline small = new ImagePipeline(PipelineLimits.defaults().withMaxOutputBytes(1000));
        byte[] png = TestImages.encode(TestImages.halves(300, 200, BufferedImage.TYPE_INT_RGB), "png");

        PipelineException e = catchThrowableOfType(
                PipelineException.class,
                () -> small.run(png, List.of(Operation.parse("format:bmp")), ProgressListener.NONE));

        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e.getMessage()).contains("1000 bytes");
    }

    @Test
    void cropOutsideTheImageFailsClearly() {
        byte[] png = TestImages.encode(TestImages.halves(300, 200, BufferedImage.TYPE_INT_RGB), "png");

        PipelineException e = catchThrowableOfType(
                PipelineException.class,
                () -> pipeline.run(png, List.of(Operation.parse("crop:100x100+250+0")), ProgressListener.NONE));

        assertThat(e.reason()).isEqualTo(Reason.OPERATION_FAILED);
        assertThat(e.getMessage()).contains("crop:100x100+250+0").contains("300x200");
    }

    @Test
    void textStartingWithAMagicNumberIsHandled() {
        byte[] fakeGif = "GIF89a but really a text file".getBytes(StandardCharsets.US_ASCII);

        assertThat(failure(fakeGif).reason()).isEqualTo(Reason.CORRUPT);
    }

    @Test
    void streamsAreReadNotClosed() throws Exception {
        byte[] png = TestImages.encode(TestImages.halves(64, 64, BufferedImage.TYPE_INT_RGB), "png");

        assertThat(pipeline.run(new ByteArrayInputStream(png), THUMBNAIL, ProgressListener.NONE)
                        .height())
                .isEqualTo(32);
    }
}
