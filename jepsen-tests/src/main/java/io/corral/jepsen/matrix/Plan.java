package io.corral.jepsen.matrix;

import java.util.ArrayList;
import java.util.List;

/**
 * The cells of a matrix: every group × workload × cluster size, with {@code seedsPerCell} seeds for the groups named
 * in {@code multiSeedGroups} (partitions, whose outcome depends most on the schedule) and one seed for the others.
 * Seeds are {@code seedBase + n} in plan order, so a resumed matrix runs the same cells.
 */
public record Plan(
        List<String> groups,
        List<String> workloads,
        List<Integer> nodes,
        List<String> multiSeedGroups,
        int seedsPerCell,
        long seedBase) {

    public Plan {
        groups = List.copyOf(groups);
        workloads = List.copyOf(workloads);
        nodes = List.copyOf(nodes);
        multiSeedGroups = List.copyOf(multiSeedGroups);
        if (seedsPerCell < 1 || seedsPerCell > 100) {
            throw new IllegalArgumentException("seeds per cell must be 1..100, got " + seedsPerCell);
        }
        for (int n : nodes) {
            if (n != 3 && n != 5) {
                throw new IllegalArgumentException("nodes must be 3 or 5, got " + n);
            }
        }
        for (String w : workloads) {
            if (!w.equals("queue") && !w.equals("lock") && !w.equals("all")) {
                throw new IllegalArgumentException("workload must be queue, lock or all, got '" + w + "'");
            }
        }
    }

    public List<Cell> cells() {
        List<Cell> out = new ArrayList<>();
        long seed = seedBase;
        for (String g : groups) {
            int seeds = multiSeedGroups.contains(g) ? seedsPerCell : 1;
            for (String w : workloads) {
                for (int n : nodes) {
                    for (int s = 0; s < seeds; s++) {
                        out.add(new Cell(g, w, n, seed++));
                    }
                }
            }
        }
        return out;
    }
}
