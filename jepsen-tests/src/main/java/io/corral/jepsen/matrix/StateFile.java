package io.corral.jepsen.matrix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A matrix's progress on disk, so that an interrupted matrix resumes where it stopped: a header naming the commit,
 * the seed base and the run length, then one line per finished cell ({@link Row#toLine()}). A state of another commit,
 * seed base or length is not resumed: its cells would not be the same runs.
 */
final class StateFile {
    private final Path file;

    StateFile(Path file) {
        this.file = file;
    }

    static String header(String commit, long seedBase, int seconds) {
        return "# corral jepsen matrix; commit " + commit + "; seedBase " + seedBase + "; seconds " + seconds;
    }

    /** The seed base recorded in an existing state of {@code commit} and {@code seconds}, or null when there is none. */
    Long seedBaseOf(String commit, int seconds) {
        String first = firstLine();
        if (first == null) {
            return null;
        }
        String prefix = "# corral jepsen matrix; commit " + commit + "; seedBase ";
        String suffix = "; seconds " + seconds;
        if (!first.startsWith(prefix) || !first.endsWith(suffix)) {
            return null;
        }
        return Long.parseLong(first.substring(prefix.length(), first.length() - suffix.length()));
    }

    /** Starts a new state; the old one, if any, is kept as {@code state.tsv.previous} (one generation). */
    void start(String header) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (Files.exists(file) && !rows().isEmpty()) {
                Files.move(
                        file,
                        file.resolveSibling(file.getFileName() + ".previous"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
            Files.writeString(file, header + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<Row> rows() {
        List<Row> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(Row.parse(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    void append(Row row) {
        try {
            Files.writeString(file, row.toLine() + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String firstLine() {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return lines.isEmpty() ? null : lines.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
