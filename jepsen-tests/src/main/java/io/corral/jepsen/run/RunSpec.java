package io.corral.jepsen.run;

import io.corral.jepsen.checker.AvailabilityChecker;
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
 * @param recoveryBoundMs how soon after each heal every client's writes must be answered again (the availability
 *     checker); the clients also keep writing for this long and more after the final heal
 * @param quietSuccessMin the least share of writes answered in quiet spells (the availability checker)
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
        List<String> testFaults,
        long recoveryBoundMs,
        double quietSuccessMin) {

    public static final Set<String> WORKLOADS = Set.of("queue", "lock", "all");
    public static final long MIN_RECOVERY_BOUND_MS = 1_000;
    public static final long MAX_RECOVERY_BOUND_MS = 600_000;

    /** A run with the availability checker's defaults. */
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
            Path out,
            List<String> testFaults) {
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
                testFaults,
                AvailabilityChecker.DEFAULT_RECOVERY_BOUND_MS,
                AvailabilityChecker.DEFAULT_QUIET_SUCCESS_MIN);
    }

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
        if (recoveryBoundMs < MIN_RECOVERY_BOUND_MS || recoveryBoundMs > MAX_RECOVERY_BOUND_MS) {
            throw new IllegalArgumentException(
                    "the recovery bound must be 1 s..10 min, got " + recoveryBoundMs + " ms");
        }
        if (!(quietSuccessMin >= 0 && quietSuccessMin <= 1)) {
            throw new IllegalArgumentException("the quiet success share must be 0..1, got " + quietSuccessMin);
        }
    }

    /** The same run with other availability limits. */
    public RunSpec withAvailability(long boundMs, double successMin) {
        return new RunSpec(
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
                testFaults,
                boundMs,
                successMin);
    }

    public boolean queue() {
        return workload.equals("queue") || workload.equals("all");
    }

    public boolean lock() {
        return workload.equals("lock") || workload.equals("all");
    }
}
