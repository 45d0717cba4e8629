package io.corral.protocol.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageSnifferTest {

    /** Real encoders, not hand-written headers, so the test checks what actual files start with. */
    @ParameterizedTest
    @ValueSource(strings = {"jpeg", "png", "gif", "bmp", "tiff"})
    void detectsFilesWrittenByImageIo(String format) throws IOException {
        byte[] encoded = encode(format);

        assertThat(ImageSniffer.detect(head(encoded))).contains(format);
    }

    @Test
    void detectsWebp() {
        byte[] webp = bytes("RIFF", 0x24, 0, 0, 0, "WEBPVP8 ");

        assertThat(ImageSniffer.detect(webp)).contains("webp");
    }

    @Test
    void detectsBothTiffByteOrders() {
        assertThat(ImageSniffer.detect(bytes("II", 0x2A, 0, 8, 0, 0, 0))).contains("tiff");
        assertThat(ImageSniffer.detect(bytes("MM", 0, 0x2A, 0, 0, 0, 8))).contains("tiff");
    }

    @Test
    void detectsGif87a() {
        assertThat(ImageSniffer.detect(bytes("GIF87a", 1, 0, 1, 0))).contains("gif");
    }

    @Test
    void refusesNonImages() {
        assertThat(ImageSniffer.detect(new byte[0])).isEmpty();
        assertThat(ImageSniffer.detect(bytes("hello, world"))).isEmpty();
        assertThat(ImageSniffer.detect(bytes("%PDF-1.7\n"))).isEmpty();
        assertThat(ImageSniffer.detect(bytes("RIFF", 0x24, 0, 0, 0, "WAVEfmt ")))
                .isEmpty();
        assertThat(ImageSniffer.detect(bytes("GIF88a"))).isEmpty();
        assertThat(ImageSniffer.detect(new byte[] {(byte) 0xFF, (byte) 0xD8})).isEmpty();
    }

    /** Text starting with "BM" must not pass for a bitmap. */
    @Test
    void refusesTextThatStartsWithBm() {
        assertThat(ImageSniffer.detect(bytes("BMW owners club newsletter, issue 12")))
                .isEmpty();
        assertThat(ImageSniffer.detect(bytes("BM"))).isEmpty();
    }

    @Test
    void refusesBmpWithUnknownDibHeaderOrOffsetInsideHeaders() {
        byte[] bmp = head(encodeUnchecked("bmp"));
        byte[] badDib = bmp.clone();
        badDib[14] = 41;
        byte[] badOffset = bmp.clone();
        badOffset[10] = 20;
        badOffset[11] = 0;

        assertThat(ImageSniffer.detect(badDib)).isEmpty();
        assertThat(ImageSniffer.detect(badOffset)).isEmpty();
    }

    @Test
    void detectsFromAFile(@TempDir Path dir) throws IOException {
        Path png = Files.write(dir.resolve("a.png"), encode("png"));
        Path text = Files.writeString(dir.resolve("a.txt"), "not an image");
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);

        assertThat(ImageSniffer.detect(png)).contains("png");
        assertThat(ImageSniffer.detect(text)).isEmpty();
        assertThat(ImageSniffer.detect(empty)).isEqualTo(Optional.empty());
    }

    private static byte[] head(byte[] encoded) {
        return Arrays.copyOf(encoded, Math.min(encoded.length, ImageSniffer.HEAD_BYTES));
    }

    private static byte[] encodeUnchecked(String format) {
        try {
            return encode(format);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] encode(String format) throws IOException {
        BufferedImage image = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
        image.setRGB(1, 1, 0xFF8800);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out))
                .as("ImageIO writes " + format)
                .isTrue();
        return out.toByteArray();
    }

    /** Concatenates ASCII strings and single bytes (given as ints). */
    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }
}
