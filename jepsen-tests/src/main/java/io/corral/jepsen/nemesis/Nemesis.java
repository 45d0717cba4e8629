package io.corral.jepsen.nemesis;

import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.FaultSupport;
import java.util.Optional;
import java.util.Random;

/**
 * One kind of fault the harness can inject. Implementations keep no state between faults; the state of a fault is its
 * {@link Fault}, and what a fault did is recorded in its detail, from which a {@link NemesisCheck} judges.
 */
public interface Nemesis {
    /** The name used on the command line and in reports, e.g. {@code "kill-leader"}. */
    String kind();

    /** Injects the fault now; {@code random} is the schedule's seeded generator (the only source of choices). */
    Fault start(ContainerCluster cluster, Leaders leaders, Random random);

    /** What the cluster must be started with for this nemesis (spares, a size-limited disk, a movable clock). */
    default FaultSupport needs() {
        return FaultSupport.NONE;
    }

    /** This nemesis's own check after the heal, shared by kinds that return one with the same name. */
    default Optional<NemesisCheck> check() {
        return Optional.empty();
    }
}
