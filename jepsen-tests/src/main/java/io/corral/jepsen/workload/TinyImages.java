package io.corral.jepsen.workload;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Small PNGs whose pixels come from a seed: distinct bytes for distinct seeds, so no two jobs share an input. */
final class TinyImages {
    static final int SIZE_PX = 12;

    private TinyImages() {}

    static Path write(Path dir, String name, long seed) {
        Random r = new Random(seed);
        BufferedImage image = new BufferedImage(SIZE_PX, SIZE_PX, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SIZE_PX; y++) {
            for (int x = 0; x < SIZE_PX; x++) {
                image.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        Path file = dir.resolve(name + ".png");
        try {
            Files.createDirectories(dir);
            ImageIO.write(image, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
