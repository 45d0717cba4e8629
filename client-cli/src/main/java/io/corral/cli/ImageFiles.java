package io.corral.cli;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns the FILE|DIR arguments of {@code corral submit} into the list of images to upload, and refuses the whole
 * submission when any of them is not an image or is too large. Every check runs before the first byte is uploaded, so
 * bad input changes nothing on the cluster.
 */
public final class ImageFiles {
    /** At most this many offending files are named in an error; the rest are counted. */
    static final int MAX_NAMED_IN_ERROR = 20;

    /** One file to upload; {@code name} is what the job shows (the file name, or the path inside a given directory). */
    public record Candidate(Path path, String name) {}

    /** Detects an image format from a file's content ({@code ImageSniffer::detect}); empty when not an image. */
    @FunctionalInterface
    public interface Sniffer {
        Optional<String> detect(Path file) throws IOException;
    }

    private ImageFiles() {}

    /**
     * Expands the arguments in order: a file stands for itself, a directory for every regular file below it, in sorted
     * order, skipping hidden files and directories (names starting with '.'). A file reached twice is kept once.
     *
     * @throws CliException (bad input) when an argument does not exist or nothing is left to submit
     */
    public static List<Candidate> collect(List<Path> args) {
        List<Candidate> out = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        for (Path arg : args) {
            if (Files.isDirectory(arg)) {
                for (Candidate c : walk(arg)) {
                    addOnce(out, seen, c);
                }
            } else if (Files.isRegularFile(arg)) {
                addOnce(out, seen, new Candidate(arg, displayName(arg.getFileName())));
            } else if (Files.exists(arg)) {
                throw CliException.badInput("'" + arg + "' is neither a regular file nor a directory");
            } else {
                throw CliException.badInput("no such file or directory: " + arg);
            }
        }
        if (out.isEmpty()) {
            throw CliException.badInput("no files to submit: the given directories hold no (non-hidden) files");
        }
        if (out.size() > Limits.MAX_IMAGES_PER_JOB) {
            throw CliException.badInput(
                    out.size() + " files; a job takes at most " + Limits.MAX_IMAGES_PER_JOB + " images");
        }
        return out;
    }

    /**
     * Refuses the submission unless every file is an image (by its magic bytes, not its name) no larger than
     * {@code maxImageBytes}. The message lists the offending files so the user can fix them all in one go.
     *
     * @param sniffer returns the detected image format, or empty when the bytes are not a supported image
     */
    public static void check(List<Candidate> files, long maxImageBytes, Sniffer sniffer) {
        List<String> notImages = new ArrayList<>();
        List<String> tooLarge = new ArrayList<>();
        for (Candidate c : files) {
            long size = size(c.path());
            if (size > maxImageBytes) {
                tooLarge.add(c.path() + " (" + size + " bytes)");
            } else if (sniff(sniffer, c.path()).isEmpty()) {
                notImages.add(c.path().toString());
            }
        }
        if (!notImages.isEmpty()) {
            throw CliException.badInput("refusing to submit: " + count(notImages.size(), "file") + " not "
                    + (notImages.size() == 1 ? "an image" : "images") + " (nothing was uploaded):" + list(notImages));
        }
        if (!tooLarge.isEmpty()) {
            throw CliException.of(
                    ErrorCode.TOO_LARGE,
                    "refusing to submit: " + count(tooLarge.size(), "image") + " larger than --max-image-bytes="
                            + maxImageBytes + " (nothing was uploaded):" + list(tooLarge));
        }
    }

    private static List<Candidate> walk(Path root) {
        List<Path> found = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    // The root is exempt: naming a hidden directory on the command line is a deliberate choice.
                    return !dir.equals(root) && isHidden(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    // attrs describe a symbolic link itself; follow it, but only to a regular file.
                    if (!isHidden(file) && Files.isRegularFile(file)) {
                        found.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw CliException.badInput("cannot read directory " + root + ": " + e.getMessage());
        }
        List<Candidate> out = new ArrayList<>(found.size());
        for (Path file : found) {
            out.add(new Candidate(file, displayName(root.relativize(file))));
        }
        out.sort(Comparator.comparing(Candidate::name));
        return out;
    }

    private static void addOnce(List<Candidate> out, Set<Path> seen, Candidate c) {
        if (seen.add(c.path().toAbsolutePath().normalize())) {
            out.add(c);
        }
    }

    /** Forward slashes on every platform; a name too long for the protocol falls back to the bare file name. */
    private static String displayName(Path relative) {
        List<String> parts = new ArrayList<>();
        for (Path part : relative) {
            parts.add(part.toString());
        }
        String name = String.join("/", parts);
        if (name.length() > Limits.MAX_NAME_CHARS) {
            name = relative.getFileName().toString();
        }
        return name.length() > Limits.MAX_NAME_CHARS ? name.substring(0, Limits.MAX_NAME_CHARS) : name;
    }

    private static boolean isHidden(Path p) {
        Path name = p.getFileName();
        return name != null && name.toString().startsWith(".");
    }

    private static Optional<String> sniff(Sniffer sniffer, Path p) {
        try {
            return sniffer.detect(p);
        } catch (IOException e) {
            throw CliException.badInput("cannot read " + p + ": " + e.getMessage());
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw CliException.badInput("cannot read " + p + ": " + e.getMessage());
        }
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? " is" : "s are");
    }

    private static String list(List<String> items) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(items.size(), MAX_NAMED_IN_ERROR); i++) {
            sb.append(System.lineSeparator()).append("  ").append(items.get(i));
        }
        if (items.size() > MAX_NAMED_IN_ERROR) {
            sb.append(System.lineSeparator())
                    .append("  ... and ")
                    .append(items.size() - MAX_NAMED_IN_ERROR)
                    .append(" more");
        }
        return sb.toString();
    }
}
