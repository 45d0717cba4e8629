package io.corral.worker.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code corral-worker bench-images}: turns a few dozen photos into a few hundred distinct ones for the throughput
 * benchmark. Each output is a crop of one source photo, of a size drawn between {@code --min-mp} and {@code --max-mp}
 * megapixels (capped by the source) at a random offset, keeping the source's aspect ratio, re-encoded as JPEG. Distinct
 * bytes matter: the cluster stores identical images once, and a benchmark of the same image 300 times would measure
 * the de-duplication, not the work.
 *
 * <p>Deterministic for given sources and {@code --seed}: the same command writes the same files.
 */
@Command(
        name = "bench-images",
        sortOptions = false,
        description = {
            "Derives --count distinct JPEG photos of --min-mp to --max-mp megapixels from the JPEG photos under"
                    + " SRC (crops at random sizes and offsets, re-encoded), for scripts/bench-throughput.sh.",
            "Of files named WIDTHxHEIGHT.jpg in one directory (one wallpaper in several resolutions) only the"
                    + " largest is used."
        })
public final class BenchImages implements Callable<Integer> {
    /** Wallpaper packages ship one picture in many resolutions, each named like {@code 1920x1080.jpg}. */
    private static final Pattern RESOLUTION_NAME = Pattern.compile("\\d+x\\d+\\.jpe?g", Pattern.CASE_INSENSITIVE);

    @Spec
    CommandSpec spec;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean helpRequested;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Where to write (absent or empty).")
    Path out;

    @Option(names = "--count", paramLabel = "N", description = "Images to write (default: 300).")
    int count = 300;

    @Option(names = "--min-mp", paramLabel = "MP", description = "Smallest size in megapixels (default: 2).")
    double minMp = 2;

    @Option(names = "--max-mp", paramLabel = "MP", description = "Largest size in megapixels (default: 12).")
    double maxMp = 12;

    @Option(names = "--quality", paramLabel = "Q", description = "JPEG quality, 1 to 100 (default: 90).")
    int quality = 90;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the sizes and offsets (default: 1).")
    long seed = 1;

    @Parameters(paramLabel = "SRC", arity = "1..*", description = "Photos, or directories of photos.")
    List<Path> sources = new ArrayList<>();

    /** A source photo and its size, read from its header. */
    record Source(Path path, int width, int height) {
        double megapixels() {
            return (double) width * height / 1e6;
        }
    }

    /** Where one derived image comes from and its size. */
    record Crop(int index, Source source, int x, int y, int width, int height) {}

    @Override
    public Integer call() throws IOException {
        validate();
        List<Source> usable = usableSources(ImageFileList.collect(spec, sources), minMp);
        if (usable.isEmpty()) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "no JPEG photo of at least " + minMp + " megapixels under " + sources);
        }
        if (Files.isDirectory(out)) {
            try (Stream<Path> entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--out " + out + " is not empty");
                }
            }
        }
        Files.createDirectories(out);
        List<Crop> plan = plan(usable, count, minMp, maxMp, seed);
        long bytes = write(plan, out, quality);
        var w = spec.commandLine().getOut();
        w.printf(
                Locale.ROOT,
                "wrote %d JPEG images (%.1f MB) of %.1f to %.1f MP from %d source photos into %s%n",
                plan.size(),
                bytes / 1e6,
                plan.stream()
                        .mapToDouble(c -> c.width() * (double) c.height() / 1e6)
                        .min()
                        .orElse(0),
                plan.stream()
                        .mapToDouble(c -> c.width() * (double) c.height() / 1e6)
                        .max()
                        .orElse(0),
                usable.size(),
                out);
        w.flush();
        return 0;
    }

    void validate() {
        if (count < 1 || count > 100_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--count must be between 1 and 100000");
        }
        if (!(minMp > 0 && minMp <= maxMp && maxMp <= 100)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "need 0 < --min-mp <= --max-mp <= 100, got " + minMp + " and " + maxMp);
        }
        if (quality < 1 || quality > 100) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--quality must be between 1 and 100");
        }
    }

    /** JPEG files of at least {@code minMp}; of resolution variants in one directory, the largest. */
    static List<Source> usableSources(List<ImageFileList.ImageFile> files, double minMp) {
        Map<Path, Source> variants = new LinkedHashMap<>();
        List<Source> out = new ArrayList<>();
        for (ImageFileList.ImageFile f : files) {
            if (!f.format().equals("jpeg")) {
                continue;
            }
            Source s = header(f.path());
            if (s == null || s.megapixels() < minMp) {
                continue;
            }
            if (RESOLUTION_NAME.matcher(f.path().getFileName().toString()).matches()) {
                variants.merge(f.path().getParent(), s, (a, b) -> a.megapixels() >= b.megapixels() ? a : b);
            } else {
                out.add(s);
            }
        }
        out.addAll(variants.values());
        out.sort((a, b) -> a.path().compareTo(b.path()));
        return out;
    }

    /**
     * Which crop each output is: the size uniform in megapixels between the bounds, then a source drawn among those at
     * least that large (the largest ones when none is), the aspect ratio the source's, the offset uniform over the
     * positions that fit. Sizes are drawn first so that they spread over the whole range, whatever the sources.
     */
    static List<Crop> plan(List<Source> sources, int count, double minMp, double maxMp, long seed) {
        List<Source> bySize = new ArrayList<>(sources);
        bySize.sort((a, b) -> Double.compare(a.megapixels(), b.megapixels()));
        List<Crop> plan = new ArrayList<>(count);
        // One generator for the whole plan: the first draws of generators seeded with neighbouring seeds are alike.
        Random random = new Random(seed);
        for (int i = 0; i < count; i++) {
            double mp = minMp + random.nextDouble() * (maxMp - minMp);
            int first = 0;
            while (first < bySize.size() - 1 && bySize.get(first).megapixels() < mp) {
                first++;
            }
            Source s = bySize.get(first + random.nextInt(bySize.size() - first));
            mp = Math.min(mp, s.megapixels());
            double aspect = (double) s.width() / s.height();
            int width = (int) Math.max(1, Math.min(s.width(), Math.round(Math.sqrt(mp * 1e6 * aspect))));
            int height = (int) Math.max(1, Math.min(s.height(), Math.round(width / aspect)));
            int x = random.nextInt(s.width() - width + 1);
            int y = random.nextInt(s.height() - height + 1);
            plan.add(new Crop(i, s, x, y, width, height));
        }
        return plan;
    }

    /** Decodes each source once and writes its crops; returns the bytes written. */
    static long write(List<Crop> plan, Path outDir, int quality) throws IOException {
        Map<Source, List<Crop>> bySource = new LinkedHashMap<>();
        for (Crop c : plan) {
            bySource.computeIfAbsent(c.source(), s -> new ArrayList<>()).add(c);
        }
        Set<String> hashes = new HashSet<>();
        long bytes = 0;
        for (Map.Entry<Source, List<Crop>> e : bySource.entrySet()) {
            BufferedImage image = ImageIO.read(e.getKey().path().toFile());
            if (image == null) {
                throw new IOException("no decoder for " + e.getKey().path());
            }
            for (Crop c : e.getValue()) {
                byte[] jpeg = encode(image, c, quality);
                if (!hashes.add(sha256(jpeg))) {
                    // Two crops drawn alike (vanishingly rare): the second would be de-duplicated by the cluster.
                    throw new IllegalStateException("crop " + c + " repeats an earlier one; try another --seed");
                }
                Files.write(outDir.resolve(name(c)), jpeg);
                bytes += jpeg.length;
            }
        }
        return bytes;
    }

    private static byte[] encode(BufferedImage image, Crop c, int quality) throws IOException {
        BufferedImage crop = new BufferedImage(c.width(), c.height(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = crop.createGraphics();
        try {
            // A source with alpha is flattened on white, as an image viewer would show it.
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, c.width(), c.height());
            g.drawImage(image, -c.x(), -c.y(), null);
        } finally {
            g.dispose();
        }
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IllegalStateException("no JPEG writer in this JVM");
        }
        ImageWriter writer = writers.next();
        java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(buffer)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality / 100f);
            writer.write(null, new IIOImage(crop, null, null), param);
        } finally {
            writer.dispose();
        }
        return buffer.toByteArray();
    }

    /** {@code 0007-Bridge_by_Sander_Klootwijk-2400x1600.jpg}; for resolution variants the directory names it. */
    static String name(Crop c) {
        Path p = c.source().path();
        String base = p.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        if (RESOLUTION_NAME.matcher(p.getFileName().toString()).matches()) {
            for (Path q = p.getParent(); q != null; q = q.getParent()) {
                String n = q.getFileName() == null ? "" : q.getFileName().toString();
                if (!n.isEmpty() && !n.equals("images") && !n.equals("contents") && !n.startsWith("images_")) {
                    base = n;
                    break;
                }
            }
        }
        base = base.replaceAll("[^A-Za-z0-9_-]", "_");
        if (base.length() > 40) {
            base = base.substring(0, 40);
        }
        return String.format(Locale.ROOT, "%04d-%s-%dx%d.jpg", c.index(), base, c.width(), c.height());
    }

    /** Width and height from the header, without decoding; null when no reader understands the file. */
    private static Source header(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                return new Source(file, reader.getWidth(0), reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            return null; // unreadable: not a usable source
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
