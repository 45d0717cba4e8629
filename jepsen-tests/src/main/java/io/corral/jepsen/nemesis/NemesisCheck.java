package io.corral.jepsen.nemesis;

import io.corral.jepsen.checker.CheckResult;
import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.history.History;
import java.util.List;

/**
 * A check of a nemesis's own, run after every fault was healed and the cluster recovered, besides the workloads'
 * checkers: what the faults of its kinds did (their {@link NemesisSchedule.Period#detail()}) and what the cluster
 * looks like now.
 */
public interface NemesisCheck {
    /** The check's name in the report; kinds that share a check return equal names, and it runs once. */
    String name();

    /**
     * @param periods the faults of the kinds that share this check, in order
     */
    CheckResult check(ContainerCluster cluster, List<NemesisSchedule.Period> periods, History history)
            throws InterruptedException;
}
