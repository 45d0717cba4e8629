package io.corral.protocol.images;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** A tiny square PNG of one colour in a new temporary file: the stand-in image benchmarks upload once and name. */
public final class TinyPng {
    private TinyPng() {}

    /** Writes the image to a new temporary file, which the caller deletes. */
    public static Path writeTemp(int side, int rgb) throws IOException {
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        Path file = Files.createTempFile("corral-bench-", ".png");
        try {
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IllegalStateException("no PNG writer in this JVM");
            }
            return file;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }
}
