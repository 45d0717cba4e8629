package io.corral.cli;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.JobView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskResultView;
import io.corral.protocol.TaskState;
import io.corral.protocol.TaskView;
import io.corral.protocol.images.ImageSniffer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * Downloads the results of a job's SUCCEEDED tasks into a directory, verified by size and SHA-256, named after the
 * input image and the output format. A name never leaves the directory: directories are stripped from the image
 * name (which the submitter chose, so it may be hostile), and the final path is checked to lie directly inside the
 * directory. Each file is written to a hidden temporary file in the same directory and then moved into place, so a
 * reader never sees a half-written image and a failed download leaves nothing behind.
 */
final class ResultFiles {
    /** Longest stem kept from an image name; most file systems allow 255 bytes for the whole name. */
    static final int MAX_STEM_CHARS = 120;

    /** One result written: {@code file} is the path as written. */
    record Written(String task, String file, String sha256, long size) {}

    private ResultFiles() {}

    /**
     * Writes every SUCCEEDED task's result to {@code dir} (created if missing), in task order. Tasks in other states
     * are reported as skipped on stderr. In table mode each file is listed as it is written, on stdout when {@code
     * listOnStdout}, else on stderr (where {@code submit} puts it, its stdout being the job id alone).
     *
     * @throws CliException after trying every task, when some result could not be written (the first failure's code)
     */
    static List<Written> saveAll(ClusterSession session, JobView job, Path dir, Output out, boolean listOnStdout)
            throws IOException {
        Files.createDirectories(dir);
        Namer namer = new Namer();
        List<Written> written = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        CliException first = null;
        for (TaskView task : job.tasks()) {
            if (task.state() != TaskState.SUCCEEDED) {
                out.note("skipped " + task.id() + " (" + task.image() + "): " + task.state());
                continue;
            }
            try {
                Written w = save(session, task, dir, namer);
                written.add(w);
                if (!out.json()) {
                    String text = task.id() + "  " + w.file();
                    if (listOnStdout) {
                        out.line(text);
                    } else {
                        out.note("wrote " + text);
                    }
                }
            } catch (CliException e) {
                first = first == null ? e : first;
                failures.add(task.id() + ": " + e.getMessage());
            } catch (IOException e) {
                CliException io = new CliException("IO_ERROR", ExitCodes.FAILURE, "I/O error: " + e);
                first = first == null ? io : first;
                failures.add(task.id() + ": " + io.getMessage());
            }
        }
        if (first != null) {
            throw new CliException(
                    first.code(),
                    first.exitCode(),
                    failures.size() + " of " + (failures.size() + written.size()) + " results could not be written to "
                            + dir + ": " + String.join("; ", failures));
        }
        return written;
    }

    /** Downloads one result into a temporary file, checks it, then moves it to its final name. */
    static Written save(ClusterSession session, TaskView task, Path dir, Namer namer) throws IOException {
        TaskResultView result = task.result();
        if (result == null) {
            throw CliException.of(
                    ErrorCode.INTERNAL,
                    "the cluster reports no result for SUCCEEDED task " + task.id() + " (a coordinator older than"
                            + " this corral?)");
        }
        // createFile, not createTempFile: the result gets the user's usual permissions (umask), not 0600.
        Path tmp = Files.createFile(dir.resolve(".corral-" + UUID.randomUUID() + ".part"));
        try {
            byte[] head = download(session, result, tmp);
            String name = namer.claim(stem(task.image(), task.id()), extension(head));
            Path target = inside(dir, name);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new Written(task.id(), target.toString(), result.sha256(), result.size());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Streams the blob to {@code file} chunk by chunk; returns its first bytes, for the format. */
    private static byte[] download(ClusterSession session, TaskResultView result, Path file) throws IOException {
        MessageDigest sha = sha256();
        // Chunks are at most MAX_CHUNK_BYTES but may be smaller; an empty one must not make the loop endless.
        long maxChunks = Math.max(1, result.size());
        byte[] head = new byte[0];
        long size = 0;
        try (OutputStream os = Files.newOutputStream(file)) {
            int chunks = 1;
            for (int index = 0; index < chunks; index++) {
                Response.BlobChunk chunk = session.callWithRetry(
                        new Request.ReadBlobChunk(result.sha256(), index), Response.BlobChunk.class);
                chunks = chunk.chunks();
                size += chunk.data().length;
                if (chunks < 1 || chunks > maxChunks || size > result.size()) {
                    throw mismatch(result, "is longer than its announced " + result.size() + " bytes");
                }
                if (head.length < ImageSniffer.HEAD_BYTES) {
                    head = concatHead(head, chunk.data());
                }
                sha.update(chunk.data());
                os.write(chunk.data());
            }
        }
        if (size != result.size()) {
            throw mismatch(result, "is " + size + " bytes, not the announced " + result.size());
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(result.sha256())) {
            throw mismatch(result, "hashes to " + actual);
        }
        return head;
    }

    private static CliException mismatch(TaskResultView result, String what) {
        return CliException.of(ErrorCode.HASH_MISMATCH, "result " + result.sha256() + " " + what);
    }

    private static byte[] concatHead(byte[] head, byte[] data) {
        int take = Math.min(data.length, ImageSniffer.HEAD_BYTES - head.length);
        byte[] next = Arrays.copyOf(head, head.length + take);
        System.arraycopy(data, 0, next, head.length, take);
        return next;
    }

    /** The file extension of the format the bytes are in: {@code jpg}, {@code png}, ..., {@code bin} if unknown. */
    static String extension(byte[] head) {
        String format = ImageSniffer.detect(head).orElse("bin");
        if (format.equals("jpeg")) {
            return "jpg";
        }
        return format.equals("tiff") ? "tif" : format;
    }

    /**
     * The base of a result's file name: the image name without directories and extension ({@code ../sub/a.png} gives
     * {@code a}), control characters replaced, leading dots dropped (no hidden files, no {@code ..}); the task id if
     * nothing is left.
     */
    static String stem(String image, String taskId) {
        String base = image == null ? "" : image;
        base = base.substring(Math.max(base.lastIndexOf('/'), base.lastIndexOf('\\')) + 1);
        int dot = base.lastIndexOf('.');
        if (dot > 0) {
            base = base.substring(0, dot);
        }
        base = base.replaceAll("\\p{Cntrl}", "_").replaceFirst("^\\.+", "").strip();
        if (base.length() > MAX_STEM_CHARS) {
            base = base.substring(0, MAX_STEM_CHARS);
        }
        return base.isEmpty() ? taskId : base;
    }

    /**
     * {@code dir/name}, refusing any name that would not be a direct child of {@code dir}. {@link #stem} already
     * makes such names impossible; this is the last line of defence should it ever change.
     */
    static Path inside(Path dir, String name) {
        Path base = dir.toAbsolutePath().normalize();
        Path target = base.resolve(name).normalize();
        if (name.isEmpty() || name.equals("..") || name.contains("/") || !base.equals(target.getParent())) {
            throw CliException.of(ErrorCode.INTERNAL, "refusing to write '" + name + "' outside " + dir);
        }
        return dir.resolve(name);
    }

    /**
     * Hands out unique names in one directory: a name already given (compared without case, for case-insensitive
     * file systems) gets {@code -1}, {@code -2}... before its extension. Files already on disk are replaced, so running
     * {@code results} twice gives the same names.
     */
    static final class Namer {
        private final Set<String> taken = new HashSet<>();

        String claim(String stem, String extension) {
            String name = stem + "." + extension;
            for (int n = 1; !taken.add(name.toLowerCase(Locale.ROOT)); n++) {
                name = stem + "-" + n + "." + extension;
            }
            return name;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }
}
