package io.corral.coordinator.cluster;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Small real images (PNG) for tests, different for each seed so they hash differently. */
public final class TestImages {
    private TestImages() {}

    public static Path png(Path dir, String name, int seed, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        Random r = new Random(seed);
        for (int i = 0; i < 20; i++) {
            g.setColor(new Color(r.nextInt(0xffffff)));
            g.fillRect(r.nextInt(width), r.nextInt(height), 1 + r.nextInt(width / 2), 1 + r.nextInt(height / 2));
        }
        g.dispose();
        Path file = dir.resolve(name);
        try {
            ImageIO.write(img, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** A PNG whose pixels are noise, so it does not compress: about {@code 3 * width * height} bytes. */
    public static Path noisyPng(Path dir, String name, int seed, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, r.nextInt(0xffffff));
            }
        }
        Path file = dir.resolve(name);
        try {
            ImageIO.write(img, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
