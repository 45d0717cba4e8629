package io.corral.jepsen.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A history being recorded by concurrent client processes, or read back from its JSON-lines file. Thread-safe:
 * entries get their index in the order they are recorded, and their time from one monotonic clock.
 */
public final class History {
    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);

    private final long originNanos;
    private final List<Op> ops = new ArrayList<>();
    private final Map<Integer, Op> open = new HashMap<>();

    public History() {
        this(System.nanoTime());
    }

    History(long originNanos) {
        this.originNanos = originNanos;
    }

    /** A history of given entries, e.g. read from a file or built by a test. */
    public static History of(List<Op> ops) {
        History h = new History(0);
        h.ops.addAll(ops);
        return h;
    }

    /** Nanoseconds since this history started; the time base of every entry. */
    public long now() {
        return System.nanoTime() - originNanos;
    }

    /**
     * Records that {@code process} starts {@code f}.
     *
     * @throws IllegalStateException if the process already has an operation open
     */
    public synchronized Op invoke(int process, String f, Map<String, Object> value) {
        if (open.containsKey(process)) {
            throw new IllegalStateException("process " + process + " already has " + open.get(process) + " open");
        }
        Op op = new Op(ops.size(), process, OpType.INVOKE, f, value, now(), null);
        ops.add(op);
        open.put(process, op);
        return op;
    }

    /** Records the completion of the process's open operation. */
    public synchronized Op complete(int process, OpType type, Map<String, Object> value, String error) {
        if (!type.completes()) {
            throw new IllegalArgumentException("a completion cannot be " + type);
        }
        Op invoked = open.remove(process);
        if (invoked == null) {
            throw new IllegalStateException("process " + process + " has no operation open");
        }
        Op op = new Op(ops.size(), process, type, invoked.f(), value, now(), error);
        ops.add(op);
        return op;
    }

    public Op ok(int process, Map<String, Object> value) {
        return complete(process, OpType.OK, value, null);
    }

    public Op fail(int process, Map<String, Object> value, String error) {
        return complete(process, OpType.FAIL, value, error);
    }

    public Op info(int process, Map<String, Object> value, String error) {
        return complete(process, OpType.INFO, value, error);
    }

    /** Records a one-off event, such as a nemesis start or stop, as an invoke immediately followed by its ok. */
    public synchronized void event(int process, String f, Map<String, Object> value) {
        long t = now();
        ops.add(new Op(ops.size(), process, OpType.INVOKE, f, value, t, null));
        ops.add(new Op(ops.size(), process, OpType.OK, f, value, t, null));
    }

    /**
     * Ends the history: every operation still open is completed as {@link OpType#INFO} (the client never learned
     * its outcome), so no invocation is dropped.
     */
    public synchronized void close() {
        for (Integer process : List.copyOf(open.keySet())) {
            complete(process, OpType.INFO, Map.of(), "no answer before the end of the test");
        }
    }

    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }

    /** Writes one JSON object per line. */
    public void write(Path file) {
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            for (Op op : ops()) {
                out.write(JSON.writeValueAsString(op));
                out.newLine();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a history written by {@link #write}. */
    public static History read(Path file) {
        List<Op> ops = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    ops.add(JSON.readValue(line, Op.class));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return of(ops);
    }
}
