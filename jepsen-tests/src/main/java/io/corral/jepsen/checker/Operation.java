package io.corral.jepsen.checker;

import io.corral.jepsen.history.History;
import io.corral.jepsen.history.Op;
import io.corral.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One client operation: its invocation and its completion together, the unit every checker reasons about.
 *
 * <p>An operation whose completion is missing (a history that was not closed) is treated as {@link OpType#INFO}: its
 * effect is unknown. An INFO operation's return time is unbounded, since it may take effect at any later time.
 *
 * @param invoke the invocation
 * @param completion the OK, FAIL or INFO entry, or null when the history ends before one
 */
public record Operation(Op invoke, Op completion) {

    public Operation {
        if (invoke == null || !invoke.isInvoke()) {
            throw new IllegalArgumentException("an operation starts with an invocation, got " + invoke);
        }
        if (completion != null
                && (completion.process() != invoke.process()
                        || !completion.type().completes())) {
            throw new IllegalArgumentException(completion + " does not complete " + invoke);
        }
    }

    /**
     * Pairs every client invocation with its completion, in invocation order. Nemesis events (negative processes)
     * are left out: they are not operations of the system under test.
     *
     * @throws IllegalArgumentException if the history is malformed (a completion without an invocation, or a second
     *     invocation while one is open): a harness bug, not a finding about the cluster
     */
    public static List<Operation> pair(History history) {
        return pair(history.ops());
    }

    public static List<Operation> pair(List<Op> ops) {
        Map<Integer, Integer> open = new HashMap<>();
        List<Op> invokes = new ArrayList<>();
        Map<Integer, Op> completions = new HashMap<>();
        for (Op op : ops) {
            if (op.process() < 0) {
                continue;
            }
            if (op.isInvoke()) {
                if (open.containsKey(op.process())) {
                    throw new IllegalArgumentException("process " + op.process() + " invokes " + op + " while "
                            + invokes.get(open.get(op.process())) + " is open");
                }
                open.put(op.process(), invokes.size());
                invokes.add(op);
            } else {
                Integer i = open.remove(op.process());
                if (i == null) {
                    throw new IllegalArgumentException(
                            op + " completes nothing: process " + op.process() + " has no operation open");
                }
                completions.put(i, op);
            }
        }
        List<Operation> paired = new ArrayList<>(invokes.size());
        for (int i = 0; i < invokes.size(); i++) {
            paired.add(new Operation(invokes.get(i), completions.get(i)));
        }
        return paired;
    }

    public String f() {
        return invoke.f();
    }

    public int process() {
        return invoke.process();
    }

    /** OK, FAIL or INFO (also for an operation that never completed). */
    public OpType type() {
        return completion == null ? OpType.INFO : completion.type();
    }

    public boolean isOk() {
        return type() == OpType.OK;
    }

    public boolean isFail() {
        return type() == OpType.FAIL;
    }

    public boolean isInfo() {
        return type() == OpType.INFO;
    }

    public long invokeNanos() {
        return invoke.timeNanos();
    }

    /** When the client learned the outcome; {@link Long#MAX_VALUE} for INFO, which may take effect at any time. */
    public long returnNanos() {
        return isInfo() ? Long.MAX_VALUE : completion.timeNanos();
    }

    /**
     * Whether this operation completed before {@code other} was invoked, so every execution orders this one first.
     * Entries of one history are ordered by time and then by index, since the history stamps both under one lock.
     */
    public boolean precedes(Operation other) {
        if (isInfo()) {
            return false;
        }
        Op a = completion;
        Op b = other.invoke;
        return a.timeNanos() < b.timeNanos() || (a.timeNanos() == b.timeNanos() && a.index() < b.index());
    }

    /** A value from the completion if it has it (a granted token), else from the invocation (the arguments). */
    public String string(String key) {
        if (completion != null && completion.value().containsKey(key)) {
            return completion.string(key);
        }
        return invoke.string(key);
    }

    public long longValue(String key, long otherwise) {
        if (completion != null && completion.value().containsKey(key)) {
            return completion.longValue(key, otherwise);
        }
        return invoke.longValue(key, otherwise);
    }

    /** A compact, readable form for counterexamples. */
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("process", process());
        d.put("f", f());
        d.put("type", type().name().toLowerCase(Locale.ROOT));
        d.put("invoke", invoke.value());
        Map<String, Object> learned = new TreeMap<>();
        if (completion != null) {
            // Only what the completion adds (a token, a job id): the rest repeats the arguments.
            completion.value().forEach((k, v) -> {
                if (!v.equals(invoke.value().get(k))) {
                    learned.put(k, v);
                }
            });
        }
        if (!learned.isEmpty()) {
            d.put("result", learned);
        }
        if (completion != null && completion.error() != null) {
            d.put("error", completion.error());
        }
        d.put("invokeIndex", invoke.index());
        d.put("invokeMs", invoke.timeNanos() / 1e6);
        if (completion != null) {
            d.put("completeMs", completion.timeNanos() / 1e6);
        }
        return d;
    }
}
