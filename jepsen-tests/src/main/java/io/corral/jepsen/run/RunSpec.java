package io.corral.jepsen.run;

import io.corral.jepsen.cluster.NodeImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * One run of the harness.
 *
 * @param name the test's name: the results go to {@code out/name/TIMESTAMP/}
 * @param workload {@code queue}, {@code lock} or {@code all} (both at once, half the clients each)
 * @param nemeses a comma-separated list for {@link io.corral.jepsen.nemesis.Nemeses#parse}
 * @param seconds how long the clients run with faults; then everything is healed and the final phase begins
 * @param coordinators 3 or 5
 * @param workers worker containers (queue workload)
 * @param clients concurrent client threads
 * @param seed every random choice of the run derives from it
 * @param image the node image ({@link NodeImage#HOST_JDK} by default)
 * @param distribution the repository root with built jars, or an install layout
 * @param out the results root, e.g. {@code jepsen-tests/target/jepsen}
 * @param testFaults deliberate coordinator bugs to switch on ({@code testing.faults}), to prove the checkers catch
 *     them; empty for a real test
 */
public record RunSpec(
        String name,
        String workload,
        String nemeses,
        int seconds,
        int coordinators,
        int workers,
        int clients,
        long seed,
        String image,
        Path distribution,
        Path out,
        List<String> testFaults) {

    public static final Set<String> WORKLOADS = Set.of("queue", "lock", "all");

    /** A run of the real thing: no deliberate bug. */
    public RunSpec(
            String name,
            String workload,
            String nemeses,
            int seconds,
            int coordinators,
            int workers,
            int clients,
            long seed,
            String image,
            Path distribution,
            Path out) {
        this(
                name,
                workload,
                nemeses,
                seconds,
                coordinators,
                workers,
                clients,
                seed,
                image,
                distribution,
                out,
                List.of());
    }

    public RunSpec {
        testFaults = List.copyOf(testFaults);
        if (!WORKLOADS.contains(workload)) {
            throw new IllegalArgumentException("workload must be queue, lock or all, got '" + workload + "'");
        }
        if (seconds < 5 || seconds > 24 * 3600) {
            throw new IllegalArgumentException("seconds must be 5..86400, got " + seconds);
        }
        if (clients < 1 || clients > 64) {
            throw new IllegalArgumentException("clients must be 1..64, got " + clients);
        }
    }

    public boolean queue() {
        return workload.equals("queue") || workload.equals("all");
    }

    public boolean lock() {
        return workload.equals("lock") || workload.equals("all");
    }
}
