package io.corral.jepsen.checker;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The configurations a linearizability search has explored: a set of linearized operations and the model state they
 * led to. Two paths that reach the same configuration have the same futures, so the second is pruned (Lowe).
 *
 * <p>On top of that, INFO operations need never take effect, so a configuration is also pruned when one explored
 * before differs from it only by linearizing fewer INFO operations: every future of the new one is a future of the
 * old one, which leaves those INFO operations out. Without this, the subsets of INFO operations a search may
 * linearize make it exponential in their number, even on histories that are easy to decide by hand.
 */
final class ConfigCache<S> {
    private record Key<S>(BitSet determinate, S state) {}

    private final BitSet infoOps;
    /** Per (determinate operations, state): the INFO sets seen, none a subset of another. */
    private final Map<Key<S>, List<BitSet>> seen = new HashMap<>();

    private int entries;

    ConfigCache(BitSet infoOps) {
        this.infoOps = (BitSet) infoOps.clone();
    }

    /**
     * Records a configuration about to be explored.
     *
     * @return false when it, or a configuration that dominates it, was explored before: prune it
     */
    boolean add(BitSet linearized, S state) {
        BitSet determinate = (BitSet) linearized.clone();
        determinate.andNot(infoOps);
        BitSet info = (BitSet) linearized.clone();
        info.and(infoOps);
        List<BitSet> sets = seen.computeIfAbsent(new Key<>(determinate, state), k -> new ArrayList<>(1));
        for (BitSet other : sets) {
            if (isSubset(other, info)) {
                return false;
            }
        }
        int before = sets.size();
        sets.removeIf(other -> isSubset(info, other));
        sets.add(info);
        entries += sets.size() - before;
        return true;
    }

    int size() {
        return entries;
    }

    private static boolean isSubset(BitSet a, BitSet b) {
        BitSet rest = (BitSet) a.clone();
        rest.andNot(b);
        return rest.isEmpty();
    }
}
