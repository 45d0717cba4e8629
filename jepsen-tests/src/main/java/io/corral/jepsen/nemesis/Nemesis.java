package io.corral.jepsen.nemesis;

import io.corral.jepsen.cluster.ContainerCluster;
import java.util.Random;

/** One kind of fault the harness can inject. Implementations are stateless; the state of a fault is its {@link Fault}. */
public interface Nemesis {
    /** The name used on the command line and in reports, e.g. {@code "kill-leader"}. */
    String kind();

    /** Injects the fault now; {@code random} is the schedule's seeded generator (the only source of choices). */
    Fault start(ContainerCluster cluster, Leaders leaders, Random random);
}
