package io.corral.worker.pipeline;

import static io.corral.worker.pipeline.TestImages.blue;
import static io.corral.worker.pipeline.TestImages.green;
import static io.corral.worker.pipeline.TestImages.red;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.ops.Operation;
import io.corral.protocol.ops.Operation.Format;
import io.corral.worker.pipeline.PipelineException.Reason;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImagePipelineTest {
    private final ImagePipeline pipeline = ImagePipeline.withDefaults();
    private final byte[] png = TestImages.encode(TestImages.halves(200, 100, BufferedImage.TYPE_INT_RGB), "png");

    private PipelineResult run(byte[] input, String... ops) throws PipelineException {
        return pipeline.run(input, parse(ops), ProgressListener.NONE);
    }

    private static List<Operation> parse(String... ops) {
        return Arrays.stream(ops).map(Operation::parse).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "jpeg", "bmp", "gif", "tiff"})
    void keepsTheInputFormatWithoutAFormatOperation(String format) throws Exception {
        byte[] input = TestImages.encode(TestImages.halves(64, 32, BufferedImage.TYPE_INT_RGB), format);

        PipelineResult result = run(input, "thumbnail:16");

        assertThat(result.format().name().toLowerCase()).isEqualTo(format);
        assertThat(result.width()).isEqualTo(16);
        assertThat(result.height()).isEqualTo(8);
        BufferedImage out = TestImages.decode(result.bytes());
        assertThat(out.getWidth()).isEqualTo(16);
        assertThat(red(out.getRGB(2, 4))).isGreaterThan(200);
        assertThat(blue(out.getRGB(13, 4))).isGreaterThan(200);
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void convertsToEveryFormat(Format format) throws Exception {
        PipelineResult result = run(png, "format:" + format.name().toLowerCase());

        assertThat(result.format()).isEqualTo(format);
        BufferedImage out = TestImages.decode(result.bytes());
        assertThat(out.getWidth()).isEqualTo(200);
        assertThat(out.getHeight()).isEqualTo(100);
        assertThat(red(out.getRGB(20, 50))).isGreaterThan(200);
        assertThat(blue(out.getRGB(180, 50))).isGreaterThan(200);
        assertThat(out.getColorModel().getColorSpace().isCS_sRGB()).isTrue();
    }

    @Test
    void webpInputStaysWebp() throws Exception {
        byte[] webp = run(png, "format:webp").bytes();

        PipelineResult result = run(webp, "resize:50x50,force");

        assertThat(result.format()).isEqualTo(Format.WEBP);
        assertThat(TestImages.decode(result.bytes()).getWidth()).isEqualTo(50);
    }

    @ParameterizedTest
    @CsvSource({
        "'resize:100x100', 100, 50",
        "'resize:100x100,fit', 100, 50",
        "'resize:100x100,fill', 100, 100",
        "'resize:100x100,force', 100, 100",
        "'resize:400x400', 400, 200",
        "'resize:400x400,no-upscale', 200, 100",
        "'resize:400x400,fill,no-upscale', 200, 100",
        "'resize:150x400,fill,no-upscale', 150, 100",
        "'resize:300x50,force,no-upscale', 200, 50",
        "'thumbnail:50', 50, 25",
        "'thumbnail:1000', 200, 100",
        "'crop:30x20+10+5', 30, 20",
        "'crop:200x100+0+0', 200, 100",
        "'rotate:90', 100, 200",
        "'rotate:180', 200, 100",
        "'rotate:270', 100, 200",
        "'flip:h', 200, 100",
        "'flip:v', 200, 100",
        "'grayscale', 200, 100",
        "'blur:0.5', 200, 100",
        "'blur:25', 200, 100",
        "'sharpen', 200, 100",
        "'watermark:Corral', 200, 100",
        "'auto-orient', 200, 100",
        "'keep-metadata', 200, 100",
    })
    void everyOperationProducesTheExpectedSize(String op, int width, int height) throws Exception {
        PipelineResult result = run(png, op);

        assertThat(result.width()).isEqualTo(width);
        assertThat(result.height()).isEqualTo(height);
        BufferedImage out = TestImages.decode(result.bytes());
        assertThat(out.getWidth()).isEqualTo(width);
        assertThat(out.getHeight()).isEqualTo(height);
    }

    @Test
    void fillCropsAroundTheCentre() throws Exception {
        BufferedImage out = TestImages.decode(run(png, "resize:50x50,fill").bytes());

        assertThat(red(out.getRGB(5, 25))).isGreaterThan(200);
        assertThat(blue(out.getRGB(45, 25))).isGreaterThan(200);
    }

    @Test
    void rotationsAndFlipsMovePixelsTheRightWay() throws Exception {
        // Red is on the left. Clockwise 90: red on top. 270: red at the bottom. flip:h: red on the right.
        BufferedImage r90 = TestImages.decode(run(png, "rotate:90").bytes());
        BufferedImage r270 = TestImages.decode(run(png, "rotate:270").bytes());
        BufferedImage flipH = TestImages.decode(run(png, "flip:h").bytes());
        BufferedImage flipV = TestImages.decode(run(png, "flip:v").bytes());

        assertThat(r90.getRGB(50, 10) & 0xFFFFFF).isEqualTo(TestImages.RED);
        assertThat(r270.getRGB(50, 190) & 0xFFFFFF).isEqualTo(TestImages.RED);
        assertThat(flipH.getRGB(190, 50) & 0xFFFFFF).isEqualTo(TestImages.RED);
        assertThat(flipV.getRGB(10, 50) & 0xFFFFFF).isEqualTo(TestImages.RED);
    }

    @Test
    void cropTakesTheRequestedRegion() throws Exception {
        BufferedImage out = TestImages.decode(run(png, "crop:20x10+95+0").bytes());

        assertThat(out.getRGB(0, 0) & 0xFFFFFF).isEqualTo(TestImages.RED);
        assertThat(out.getRGB(19, 0) & 0xFFFFFF).isEqualTo(TestImages.BLUE);
    }

    @Test
    void operationsRunInTheOrderGiven() throws Exception {
        PipelineResult cropThenResize = run(png, "crop:100x100+0+0", "resize:50x50");
        PipelineResult resizeThenCrop = run(png, "resize:50x50", "crop:20x20+0+0");
        PipelineResult rotateThenCrop = run(png, "rotate:90", "crop:100x10+0+0");

        assertThat(cropThenResize.width()).isEqualTo(50);
        assertThat(cropThenResize.height()).isEqualTo(50);
        assertThat(resizeThenCrop.width()).isEqualTo(20);
        assertThat(TestImages.decode(rotateThenCrop.bytes()).getRGB(50, 5) & 0xFFFFFF)
                .isEqualTo(TestImages.RED);
        assertThatThrownBy(() -> run(png, "resize:50x50", "crop:100x100+0+0"))
                .isInstanceOf(PipelineException.class)
                .hasMessageContaining("outside the 50x25 image");
    }

    @Test
    void lastFormatOperationWins() throws Exception {
        assertThat(run(png, "format:gif", "format:jpeg").format()).isEqualTo(Format.JPEG);
    }

    @Test
    void grayscaleGivesEqualChannels() throws Exception {
        BufferedImage out = TestImages.decode(run(png, "grayscale").bytes());

        int p = out.getRGB(20, 50);
        assertThat(red(p)).isEqualTo(green(p)).isEqualTo(blue(p)).isBetween(50, 60);
    }

    @Test
    void blurSoftensTheEdgeAndKeepsFlatAreas() throws Exception {
        BufferedImage out = TestImages.decode(run(png, "blur:5").bytes());

        assertThat(out.getRGB(10, 50) & 0xFFFFFF).isEqualTo(TestImages.RED);
        int edge = out.getRGB(100, 50);
        assertThat(red(edge)).isBetween(60, 200);
        assertThat(blue(edge)).isBetween(60, 200);
    }

    @Test
    void sharpenIncreasesContrastAtEdges() throws Exception {
        BufferedImage gray = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = gray.createGraphics();
        g.setColor(new Color(100, 100, 100));
        g.fillRect(0, 0, 20, 20);
        g.setColor(new Color(160, 160, 160));
        g.fillRect(20, 0, 20, 20);
        g.dispose();

        BufferedImage out =
                TestImages.decode(run(TestImages.encode(gray, "png"), "sharpen").bytes());

        assertThat(red(out.getRGB(19, 10))).isLessThan(100);
        assertThat(red(out.getRGB(20, 10))).isGreaterThan(160);
        assertThat(red(out.getRGB(5, 10))).isEqualTo(100);
    }

    @ParameterizedTest
    @ValueSource(ints = {0xFFFFFF, 0x000000})
    void watermarkIsVisibleOnLightAndDarkImages(int background) throws Exception {
        BufferedImage plain = new BufferedImage(400, 300, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = plain.createGraphics();
        g.setColor(new Color(background));
        g.fillRect(0, 0, 400, 300);
        g.dispose();

        BufferedImage out = TestImages.decode(
                run(TestImages.encode(plain, "png"), "watermark:CORRAL,center").bytes());

        int changedInCentre = 0;
        int changedInCorner = 0;
        for (int y = 0; y < 300; y++) {
            for (int x = 0; x < 400; x++) {
                boolean changed = (out.getRGB(x, y) & 0xFFFFFF) != background;
                if (changed && Math.abs(x - 200) < 150 && Math.abs(y - 150) < 30) {
                    changedInCentre++;
                } else if (changed) {
                    changedInCorner++;
                }
            }
        }
        assertThat(changedInCentre).isGreaterThan(500);
        assertThat(changedInCorner).isZero();
    }

    @Test
    void qualityChangesJpegAndWebpSize() throws Exception {
        BufferedImage noisy = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(42);
        for (int y = 0; y < 128; y++) {
            for (int x = 0; x < 128; x++) {
                noisy.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        byte[] input = TestImages.encode(noisy, "png");

        assertThat(run(input, "format:jpeg,q=10").size())
                .isLessThan(run(input, "format:jpeg,q=95").size());
        assertThat(run(input, "format:webp,q=10").size())
                .isLessThan(run(input, "format:webp,q=95").size());
    }

    @Test
    void exifOrientationIsAppliedFirst() throws Exception {
        byte[] jpeg = TestImages.jpegWithOrientation(40, 20, 6);

        PipelineResult result = run(jpeg, "format:png");
        BufferedImage out = TestImages.decode(result.bytes());

        // Orientation 6: the stored image is shown turned 90 degrees clockwise, so its left (red) half is on top.
        assertThat(result.width()).isEqualTo(20);
        assertThat(result.height()).isEqualTo(40);
        assertThat(red(out.getRGB(10, 5))).isGreaterThan(200);
        assertThat(blue(out.getRGB(10, 35))).isGreaterThan(200);
    }

    @Test
    void cropCoordinatesAreInTheUprightImage() throws Exception {
        byte[] jpeg = TestImages.jpegWithOrientation(40, 20, 6);

        assertThat(run(jpeg, "crop:20x30+0+10").height()).isEqualTo(30);
    }

    @Test
    void metadataIsStrippedByDefault() throws Exception {
        byte[] jpeg = TestImages.jpegWithOrientation(40, 20, 6);

        byte[] out = run(jpeg, "thumbnail:10").bytes();

        assertThat(TestImages.contains(jpeg, "Exif")).isTrue();
        assertThat(TestImages.contains(out, "Exif")).isFalse();
        assertThat(TestImages.contains(out, "Corral")).isFalse();
    }

    @Test
    void keepMetadataKeepsExifWithOrientationReset() throws Exception {
        byte[] jpeg = TestImages.jpegWithOrientation(40, 20, 6);

        PipelineResult kept = run(jpeg, "keep-metadata");
        PipelineResult again = run(kept.bytes(), "format:png");

        assertThat(TestImages.contains(kept.bytes(), "Exif")).isTrue();
        assertThat(TestImages.contains(kept.bytes(), "Corral")).isTrue();
        assertThat(kept.width()).isEqualTo(20);
        // Orientation was reset to 1: processing the result again does not turn it a second time.
        assertThat(again.width()).isEqualTo(20);
        assertThat(again.height()).isEqualTo(40);
        assertThat(TestImages.contains(run(jpeg, "keep-metadata", "format:png").bytes(), "eXIf"))
                .isTrue();
    }

    @Test
    void cmykJpegBecomesSrgb() throws Exception {
        byte[] cmyk = TestImages.cmykJpeg(32, 16);
        assertThat(jpegColorSpaceIsCmyk(cmyk)).isTrue();

        PipelineResult result = run(cmyk, "format:png");
        BufferedImage out = TestImages.decode(result.bytes());

        assertThat(out.getColorModel().getColorSpace().isCS_sRGB()).isTrue();
        int p = out.getRGB(16, 8);
        assertThat(red(p)).as("red of %06x", p).isGreaterThan(180);
        assertThat(green(p)).as("green of %06x", p).isLessThan(90);
        assertThat(blue(p)).as("blue of %06x", p).isLessThan(90);
    }

    private static boolean jpegColorSpaceIsCmyk(byte[] jpeg) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg))) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            reader.setInput(in);
            try {
                return reader.getRawImageType(0).getColorModel().getNumComponents() == 4;
            } finally {
                reader.dispose();
            }
        }
    }

    @Test
    void grayAndAlphaInputsAreHandled() throws Exception {
        BufferedImage gray = new BufferedImage(20, 10, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 128);
        BufferedImage out = TestImages.decode(
                run(TestImages.encode(gray, "png"), "format:jpeg,q=100").bytes());
        assertThat(red(out.getRGB(0, 0))).isBetween(120, 136);

        BufferedImage transparent = new BufferedImage(20, 10, BufferedImage.TYPE_INT_ARGB);
        BufferedImage flattened = TestImages.decode(
                run(TestImages.encode(transparent, "png"), "format:jpeg").bytes());
        assertThat(flattened.getRGB(5, 5) & 0xFFFFFF).isGreaterThan(0xF0F0F0);
        PipelineResult stillAlpha = run(TestImages.encode(transparent, "png"), "rotate:90");
        assertThat(TestImages.decode(stillAlpha.bytes()).getColorModel().hasAlpha())
                .isTrue();
    }

    @Test
    void sixteenBitPngIsRead() throws Exception {
        BufferedImage deep = new BufferedImage(20, 10, BufferedImage.TYPE_USHORT_GRAY);
        deep.getRaster().setSample(3, 3, 0, 65535);

        BufferedImage out = TestImages.decode(
                run(TestImages.encode(deep, "png"), "format:png").bytes());

        assertThat(out.getRGB(3, 3) & 0xFFFFFF).isEqualTo(0xFFFFFF);
    }

    @Test
    void thumbnailOfALargeImageUsesSubsampledDecodingWithExactSize() throws Exception {
        byte[] big = TestImages.encode(TestImages.halves(3001, 1999, BufferedImage.TYPE_INT_RGB), "jpeg");

        PipelineResult result = run(big, "thumbnail:100");

        assertThat(result.width()).isEqualTo(100);
        assertThat(result.height()).isEqualTo(67);
    }

    @Test
    void reportsProgressUpTo100() throws Exception {
        List<Integer> percents = new ArrayList<>();

        pipeline.run(png, parse("rotate:90", "grayscale"), (percent, step) -> percents.add(percent));

        assertThat(percents).isSorted().endsWith(100).hasSize(4);
    }

    @Test
    void isSafeForConcurrentUse() throws Exception {
        byte[] expected =
                run(png, "resize:80x80,fill", "sharpen", "format:jpeg").bytes();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<byte[]>> futures = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                futures.add(pool.submit(() ->
                        run(png, "resize:80x80,fill", "sharpen", "format:jpeg").bytes()));
            }
            for (Future<byte[]> f : futures) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void operationsThatWouldExceedThePixelLimitFail() {
        ImagePipeline small = new ImagePipeline(PipelineLimits.defaults().withMaxPixels(100_000));

        assertThatThrownBy(() -> small.run(png, parse("resize:1000x1000,force"), ProgressListener.NONE))
                .isInstanceOf(PipelineException.class)
                .satisfies(e -> assertThat(((PipelineException) e).reason()).isEqualTo(Reason.TOO_MANY_PIXELS))
                .hasMessageContaining("1000x1000 = 1000000 pixels; the limit is 100000");
    }
}
