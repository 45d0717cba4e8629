package io.corral.worker.bench;

import io.corral.protocol.codec.Json;
import io.corral.protocol.ops.InvalidOperationException;
import io.corral.protocol.ops.Operation;
import io.corral.protocol.ops.Operations;
import io.corral.worker.pipeline.ImagePipeline;
import io.corral.worker.pipeline.PipelineException;
import io.corral.worker.pipeline.PipelineLimits;
import io.corral.worker.pipeline.PipelineResult;
import io.corral.worker.pipeline.ProgressListener;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code corral-worker bench-pipeline}: the plain loop that {@code scripts/bench-throughput.sh} compares the cluster
 * with. The same {@link ImagePipeline} with the same default limits as a worker, on the same files, in one process,
 * with no cluster: read the file, run the operations, write the result. The worker does the same per task, with a
 * download, a result upload and a commit instead of the file read and write.
 */
@Command(
        name = "bench-pipeline",
        sortOptions = false,
        description = {
            "Runs the image pipeline over every image under FILE|DIR in this process, without a cluster, and reports"
                    + " images per second: the baseline of scripts/bench-throughput.sh (docs/benchmarks.md).",
            "Each image is read from disk, processed with the worker's default pipeline limits and written to"
                    + " --out (default: a temporary directory, deleted afterwards)."
        })
public final class PipelineBench implements Callable<Integer> {
    /** The same default as {@code corral bench throughput}: a web rendition of a photo. */
    static final List<String> DEFAULT_OPERATIONS = List.of("resize:1024x1024", "format:jpeg,q=85");

    static final int MAX_THREADS = 1024;

    @Spec
    CommandSpec spec;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean helpRequested;

    @Option(
            names = "--op",
            paramLabel = "OP",
            description = "An operation for every image; repeat for a pipeline (default: resize:1024x1024"
                    + " format:jpeg,q=85).")
    List<String> operations = new ArrayList<>();

    @Option(names = "--threads", paramLabel = "N", description = "Images processed at once (default: 1).")
    int threads = 1;

    @Option(
            names = "--warmup",
            paramLabel = "N",
            description = "Process the first N images once before measuring (default: 0, like a freshly started"
                    + " worker).")
    int warmup = 0;

    @Option(names = "--out", paramLabel = "DIR", description = "Keep the results here.")
    Path out;

    @Option(names = "--json", description = "Print the figures as one JSON document.")
    boolean json;

    @Parameters(paramLabel = "FILE|DIR", arity = "1..*", description = "Images, or directories of images.")
    List<Path> paths = new ArrayList<>();

    /** The figures of one run. {@code failed} images count in {@code images} (their time was spent too). */
    public record Result(
            int images,
            int failed,
            String firstError,
            int threads,
            long inputBytes,
            double seconds,
            double imagesPerSecond) {}

    @Override
    public Integer call() throws IOException, InterruptedException {
        List<Operation> ops = validate();
        List<ImageFileList.ImageFile> files = ImageFileList.collect(spec, paths);
        if (files.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no images under " + paths);
        }
        Path dir = out != null ? Files.createDirectories(out) : Files.createTempDirectory("corral-bench-pipeline-");
        Result r;
        try {
            ImagePipeline pipeline = new ImagePipeline(PipelineLimits.defaults());
            List<Path> inputs =
                    files.stream().map(ImageFileList.ImageFile::path).toList();
            warmUp(pipeline, inputs.subList(0, Math.min(warmup, inputs.size())), ops, dir);
            r = run(pipeline, inputs, ops, threads, dir);
        } finally {
            if (out == null) {
                deleteTree(dir);
            }
        }
        print(r, ops);
        return r.failed() == 0 ? 0 : 1;
    }

    List<Operation> validate() {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--threads must be between 1 and " + MAX_THREADS + ", got " + threads);
        }
        if (warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--warmup must not be negative");
        }
        try {
            return Operations.canonicalize(operations.isEmpty() ? DEFAULT_OPERATIONS : operations).stream()
                    .map(Operation::parse)
                    .toList();
        } catch (InvalidOperationException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid --op " + e.getMessage());
        }
    }

    /**
     * Processes every file once on {@code threads} threads, each taking the next file in order, and times the whole:
     * from before the first read to after the last write.
     */
    public static Result run(ImagePipeline pipeline, List<Path> files, List<Operation> ops, int threads, Path outDir)
            throws IOException, InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long inputBytes = 0;
        for (Path f : files) {
            inputBytes += Files.size(f);
        }
        long startNs = System.nanoTime();
        try {
            List<Future<?>> loops = new ArrayList<>(threads);
            for (int t = 0; t < threads; t++) {
                loops.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < files.size(); i = next.getAndIncrement()) {
                        String error = processOne(pipeline, files.get(i), ops, outDir, i);
                        if (error != null) {
                            failed.incrementAndGet();
                            firstError.compareAndSet(null, files.get(i) + ": " + error);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> loop : loops) {
                loop.get();
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("the benchmark loop failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - startNs) / 1e9;
        return new Result(
                files.size(),
                failed.get(),
                firstError.get(),
                threads,
                inputBytes,
                seconds,
                files.size() / Math.max(seconds, 1e-9));
    }

    /** Returns the pipeline's error for a bad image (counted, as a worker would fail the task), else null. */
    private static String processOne(ImagePipeline pipeline, Path file, List<Operation> ops, Path outDir, int index)
            throws IOException {
        byte[] input = Files.readAllBytes(file);
        PipelineResult result;
        try {
            result = pipeline.run(input, ops, ProgressListener.NONE);
        } catch (PipelineException e) {
            return e.getMessage();
        }
        String ext = result.format().name().toLowerCase(Locale.ROOT);
        try (OutputStream os =
                Files.newOutputStream(outDir.resolve(String.format(Locale.ROOT, "%05d.%s", index, ext)))) {
            result.writeTo(os);
        }
        return null;
    }

    private static void warmUp(ImagePipeline pipeline, List<Path> files, List<Operation> ops, Path outDir)
            throws IOException {
        for (int i = 0; i < files.size(); i++) {
            processOne(pipeline, files.get(i), ops, outDir, i);
        }
    }

    private void print(Result r, List<Operation> ops) {
        List<String> opTexts = ops.stream().map(Operation::canonical).toList();
        if (json) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("images", r.images());
            body.put("failed", r.failed());
            body.put("firstError", r.firstError());
            body.put("threads", r.threads());
            body.put("inputBytes", r.inputBytes());
            body.put("operations", opTexts);
            body.put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
            body.put("imagesPerSecond", Math.round(r.imagesPerSecond() * 1000) / 1000.0);
            spec.commandLine().getOut().println(Json.pretty(body));
        } else {
            var w = spec.commandLine().getOut();
            w.printf(
                    Locale.ROOT,
                    "IMAGES        %d (%.1f MB), %d failed%n",
                    r.images(),
                    r.inputBytes() / 1e6,
                    r.failed());
            w.printf(Locale.ROOT, "OPERATIONS    %s%n", String.join(" ", opTexts));
            w.printf(Locale.ROOT, "THREADS       %d%n", r.threads());
            w.printf(Locale.ROOT, "SECONDS       %.1f%n", r.seconds());
            w.printf(Locale.ROOT, "IMAGES_PER_S  %.3f%n", r.imagesPerSecond());
        }
        spec.commandLine().getOut().flush();
        if (r.firstError() != null) {
            spec.commandLine()
                    .getErr()
                    .println("corral-worker: " + r.failed() + " image(s) failed; first: " + r.firstError());
            spec.commandLine().getErr().flush();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
