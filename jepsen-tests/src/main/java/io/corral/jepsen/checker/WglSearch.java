package io.corral.jepsen.checker;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Wing and Gong's linearizability search with Lowe's improvements, on the operations of one partition, as Porcupine
 * and Knossos do it.
 *
 * <p>The history is a doubly linked list of call and return entries in real-time order. The search walks it from the
 * front: at a call it tries to linearize that operation now (lifting its call and return out of the list, which
 * "just in time" moves time forward); at a return whose operation is not yet linearized it is stuck and backtracks.
 * A cache of (set of linearized operations, model state) prunes every configuration already explored: two paths that
 * linearized the same operations into the same state have the same futures.
 *
 * <p>INFO operations have no return entry: nothing forces them to be linearized, so each may take effect anywhere
 * after its call or never. The search succeeds once every operation with a return entry is linearized. They are
 * also what makes the search expensive, which {@link ConfigCache} and the order of the candidates contain.
 */
final class WglSearch<S> {
    enum Outcome {
        LINEARIZABLE,
        NOT_LINEARIZABLE,
        TIMED_OUT,
        CACHE_FULL
    }

    /**
     * Where the deepest branch of the search got stuck: the operation whose completion arrived before any order let
     * it take effect, after the longest prefix that was linearizable.
     *
     * @param blocked the operation that could not be linearized before its return
     * @param prefix the linearized operations, in order
     * @param statesAfter the model state after each operation of {@code prefix}
     * @param candidates operations that were pending at that point and could not extend the prefix either
     */
    record Stuck<S>(
            Operation blocked, List<Operation> prefix, List<S> statesAfter, S state, List<Operation> candidates) {}

    record Result<S>(Outcome outcome, long steps, int cacheEntries, Stuck<S> stuck) {}

    /** How many pending operations a counterexample lists; the rest adds length, not understanding. */
    private static final int MAX_CANDIDATES = 10;
    /** Reading the clock on every step would cost more than the step. */
    private static final int CLOCK_EVERY_STEPS = 256;

    private static final class Node {
        final Operation op;
        final int id;
        final boolean call;
        final long timeNanos;
        final long historyIndex;
        Node match;
        Node prev;
        Node next;

        Node(Operation op, int id, boolean call, long timeNanos, long historyIndex) {
            this.op = op;
            this.id = id;
            this.call = call;
            this.timeNanos = timeNanos;
            this.historyIndex = historyIndex;
        }
    }

    private record Frame<S>(Node call, S before, List<S> successors, int nextAlternative) {}

    private final Model<S> model;
    private final LongSupplier clock;
    private final long deadlineNanos;
    private final int maxCacheEntries;
    private final List<Frame<S>> stack = new ArrayList<>();
    private ConfigCache<S> cache;
    private Node head;
    private S state;
    private BitSet linearized;
    private int unlinearizedReturns;
    private Stuck<S> deepest;

    WglSearch(Model<S> model, LongSupplier clock, long deadlineNanos, int maxCacheEntries) {
        this.model = model;
        this.clock = clock;
        this.deadlineNanos = deadlineNanos;
        this.maxCacheEntries = maxCacheEntries;
    }

    /** Searches once; an instance holds one search's state and is not reused. */
    Result<S> run(List<Operation> ops) {
        if (head != null) {
            throw new IllegalStateException("a WglSearch runs once");
        }
        head = build(ops);
        state = model.initial();
        linearized = new BitSet(ops.size());
        BitSet infoOps = new BitSet(ops.size());
        for (int id = 0; id < ops.size(); id++) {
            if (ops.get(id).isInfo()) {
                infoOps.set(id);
            }
        }
        cache = new ConfigCache<>(infoOps);
        unlinearizedReturns = ops.size() - infoOps.cardinality();
        return search();
    }

    /**
     * The WGL loop. Candidates are the calls before the first return entry; it tries the determinate ones first and
     * the INFO ones after, so that it reaches configurations with few INFO operations first and the cache's
     * dominance prunes those with more.
     */
    private Result<S> search() {
        long steps = 0;
        Node entry = head.next;
        boolean infoPass = false;
        while (unlinearizedReturns > 0) {
            if (++steps % CLOCK_EVERY_STEPS == 0 && clock.getAsLong() - deadlineNanos > 0) {
                return new Result<>(Outcome.TIMED_OUT, steps, cache.size(), deepest);
            }
            if (cache.size() > maxCacheEntries) {
                return new Result<>(Outcome.CACHE_FULL, steps, cache.size(), deepest);
            }
            if (entry != null && entry.call) {
                if (entry.op.isInfo() != infoPass) {
                    entry = entry.next;
                } else if (tryAlternatives(entry, model.step(state, entry.op), 0)) {
                    entry = head.next;
                    infoPass = false;
                } else {
                    entry = entry.next;
                }
                continue;
            }
            if (!infoPass) {
                infoPass = true;
                entry = head.next;
                continue;
            }
            // A return entry whose operation is not linearized (or the end of the list): this branch is dead.
            recordIfDeepest(entry);
            if (stack.isEmpty()) {
                return new Result<>(Outcome.NOT_LINEARIZABLE, steps, cache.size(), deepest);
            }
            Frame<S> frame = stack.remove(stack.size() - 1);
            undo(frame);
            if (tryAlternatives(frame.call(), frame.successors(), frame.nextAlternative())) {
                entry = head.next;
                infoPass = false;
            } else {
                entry = frame.call().next;
                infoPass = frame.call().op.isInfo();
            }
        }
        return new Result<>(Outcome.LINEARIZABLE, steps, cache.size(), null);
    }

    /** Linearizes {@code call} into the first successor state from {@code from} on that is not cached. */
    private boolean tryAlternatives(Node call, List<S> successors, int from) {
        for (int i = from; i < successors.size(); i++) {
            linearized.set(call.id);
            boolean fresh = cache.add(linearized, successors.get(i));
            linearized.clear(call.id);
            if (fresh) {
                stack.add(new Frame<>(call, state, successors, i + 1));
                state = successors.get(i);
                linearized.set(call.id);
                lift(call);
                if (call.match != null) {
                    unlinearizedReturns--;
                }
                return true;
            }
        }
        return false;
    }

    private void undo(Frame<S> frame) {
        Node call = frame.call();
        state = frame.before();
        linearized.clear(call.id);
        unlift(call);
        if (call.match != null) {
            unlinearizedReturns++;
        }
    }

    private static void lift(Node call) {
        unlink(call);
        if (call.match != null) {
            unlink(call.match);
        }
    }

    /** Exactly the reverse of {@link #lift}, so the neighbours remembered in the nodes are still right. */
    private static void unlift(Node call) {
        if (call.match != null) {
            relink(call.match);
        }
        relink(call);
    }

    private static void unlink(Node n) {
        n.prev.next = n.next;
        if (n.next != null) {
            n.next.prev = n.prev;
        }
    }

    private static void relink(Node n) {
        n.prev.next = n;
        if (n.next != null) {
            n.next.prev = n;
        }
    }

    private Node build(List<Operation> ops) {
        List<Node> entries = new ArrayList<>(2 * ops.size());
        for (int id = 0; id < ops.size(); id++) {
            Operation op = ops.get(id);
            Node call = new Node(op, id, true, op.invokeNanos(), op.invoke().index());
            entries.add(call);
            if (!op.isInfo()) {
                Node ret = new Node(
                        op,
                        id,
                        false,
                        op.completion().timeNanos(),
                        op.completion().index());
                call.match = ret;
                entries.add(ret);
            }
        }
        entries.sort(Comparator.<Node>comparingLong(n -> n.timeNanos).thenComparingLong(n -> n.historyIndex));
        Node sentinel = new Node(null, -1, false, Long.MIN_VALUE, -1);
        Node last = sentinel;
        for (Node n : entries) {
            last.next = n;
            n.prev = last;
            last = n;
        }
        return sentinel;
    }

    private void recordIfDeepest(Node blockedAt) {
        if (deepest != null && stack.size() <= deepest.prefix().size()) {
            return;
        }
        List<Operation> prefix = new ArrayList<>(stack.size());
        List<S> statesAfter = new ArrayList<>(stack.size());
        for (int i = 0; i < stack.size(); i++) {
            prefix.add(stack.get(i).call().op);
            statesAfter.add(i + 1 < stack.size() ? stack.get(i + 1).before() : state);
        }
        List<Operation> candidates = new ArrayList<>();
        for (Node n = head.next; n != blockedAt && n != null && candidates.size() < MAX_CANDIDATES; n = n.next) {
            candidates.add(n.op);
        }
        deepest = new Stuck<>(blockedAt == null ? null : blockedAt.op, prefix, statesAfter, state, candidates);
    }
}
