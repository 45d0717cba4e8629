package io.corral.jepsen.history;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One entry of a history: a client process invoking an operation, or its completion.
 *
 * <p>Every completion follows its invocation by the same {@code process}; a process is logically single-threaded, so
 * it has at most one operation open at a time. A process whose operation ended {@link OpType#INFO} never invokes
 * again (its operation may still take effect at any later time): the client continues as a new process.
 *
 * @param index position in the history, from 0
 * @param process the client process; negative for the nemesis
 * @param type invoke, ok, fail or info
 * @param f the operation, e.g. {@code "submit"}, {@code "acquire"}, {@code "release"}, {@code "write"}
 * @param value the operation's arguments (in an invocation) or result (in a completion); keys sorted
 * @param timeNanos monotonic time ({@link System#nanoTime()} relative to the start of the test)
 * @param error a failure's or an indeterminate result's reason, null otherwise
 */
// The writer also emits the isInvoke()... getters as "invoke", "ok", "fail", "info"; reading ignores them, so that a
// history.jsonl can be read back and checked again.
@JsonIgnoreProperties(ignoreUnknown = true)
public record Op(
        long index, int process, OpType type, String f, Map<String, Object> value, long timeNanos, String error) {

    public Op {
        value = value == null ? Map.of() : Collections.unmodifiableSortedMap(new TreeMap<>(value));
    }

    public boolean isInvoke() {
        return type == OpType.INVOKE;
    }

    public boolean isOk() {
        return type == OpType.OK;
    }

    public boolean isFail() {
        return type == OpType.FAIL;
    }

    public boolean isInfo() {
        return type == OpType.INFO;
    }

    /** A value as a string, or null when absent. */
    public String string(String key) {
        Object v = value.get(key);
        return v == null ? null : v.toString();
    }

    /** A value as a long, or {@code otherwise} when absent. */
    public long longValue(String key, long otherwise) {
        Object v = value.get(key);
        if (v == null) {
            return otherwise;
        }
        return v instanceof Number n ? n.longValue() : Long.parseLong(v.toString());
    }
}
