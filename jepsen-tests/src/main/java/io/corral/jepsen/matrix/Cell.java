package io.corral.jepsen.matrix;

/**
 * One run of the long-run matrix: a nemesis group under one workload on one cluster size with one seed.
 *
 * @param group a nemesis group or name for {@code --nemesis} ({@code partition}, {@code crash}, ...)
 * @param workload {@code queue} or {@code lock}
 * @param nodes 3 or 5 coordinators
 * @param seed the run's seed
 */
public record Cell(String group, String workload, int nodes, long seed) {
    /** What identifies the cell in the state file. */
    public String key() {
        return group + "/" + workload + "/" + nodes + "/" + seed;
    }

    /** The run's results directory name. */
    public String runName() {
        return "matrix-" + group + "-" + workload + "-n" + nodes;
    }
}
