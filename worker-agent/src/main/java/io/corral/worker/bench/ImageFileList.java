package io.corral.worker.bench;

import io.corral.protocol.images.ImageSniffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The image files named by FILE|DIR arguments, as {@code corral submit} sees them: a directory stands for every
 * regular file below it in sorted order, hidden files and directories skipped; only files whose content is an image
 * (by magic bytes) are kept, so the benchmarks on both sides work on the same set.
 */
final class ImageFileList {
    /** One file and the format its magic bytes say ({@code jpeg}, {@code png}...). */
    record ImageFile(Path path, String format) {}

    private ImageFileList() {}

    /**
     * @throws CommandLine.ParameterException (usage, exit code 2) when an argument does not exist
     * @throws UncheckedIOException when a directory or file cannot be read
     */
    static List<ImageFile> collect(CommandSpec command, List<Path> args) {
        List<ImageFile> out = new ArrayList<>();
        for (Path arg : args) {
            if (!Files.exists(arg)) {
                throw new CommandLine.ParameterException(command.commandLine(), "no such file or directory: " + arg);
            }
            for (Path file : expand(arg)) {
                Optional<String> format = sniff(file);
                format.ifPresent(f -> out.add(new ImageFile(file, f)));
            }
        }
        return out;
    }

    private static List<Path> expand(Path arg) {
        if (!Files.isDirectory(arg)) {
            return List.of(arg);
        }
        try (Stream<Path> walk = Files.walk(arg)) {
            return walk.filter(p -> Files.isRegularFile(p) && !hiddenBelow(arg, p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read directory " + arg, e);
        }
    }

    /** Whether any name between {@code root} (exempt: naming it was deliberate) and {@code p} starts with '.'. */
    private static boolean hiddenBelow(Path root, Path p) {
        for (Path part : root.relativize(p)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static Optional<String> sniff(Path file) {
        try {
            return ImageSniffer.detect(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
