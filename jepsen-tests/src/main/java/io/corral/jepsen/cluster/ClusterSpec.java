package io.corral.jepsen.cluster;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * What to start.
 *
 * @param coordinators 3 or 5
 * @param workers at least 1
 * @param workerSlots concurrent tasks per worker
 * @param image {@link NodeImage#HOST_JDK} or an image with a JRE and iptables
 * @param distribution the repository root (its {@code coordinator/target} and {@code worker-agent/target} hold the
 *     built jars and their {@code lib/}) or an installed layout with {@code lib/}
 * @param logs host directory that receives every node's log
 * @param coordinatorSettings {@code --set} overrides for every coordinator, e.g. a short lease TTL
 * @param javaOptions JVM options of every node process
 * @param faultSupport what the selected nemeses need prepared (spare coordinators, size-limited data directories, a
 *     movable clock); {@link FaultSupport#NONE} for the default cluster
 * @param tokens whether the coordinators require tokens ({@link ClusterTokens}), as a deployment does: true but for a
 *     deliberately broken build whose fault ownership would hide ({@link #withoutTokens})
 */
public record ClusterSpec(
        int coordinators,
        int workers,
        int workerSlots,
        String image,
        Path distribution,
        Path logs,
        Map<String, String> coordinatorSettings,
        String javaOptions,
        FaultSupport faultSupport,
        boolean tokens) {

    public static final int RAFT_PORT = 7101;
    public static final int RPC_PORT = 7201;
    public static final int HTTP_PORT = 7301;

    /** A cluster without anything prepared for particular nemeses. */
    public ClusterSpec(
            int coordinators,
            int workers,
            int workerSlots,
            String image,
            Path distribution,
            Path logs,
            Map<String, String> coordinatorSettings,
            String javaOptions) {
        this(
                coordinators,
                workers,
                workerSlots,
                image,
                distribution,
                logs,
                coordinatorSettings,
                javaOptions,
                FaultSupport.NONE,
                true);
    }

    public ClusterSpec {
        if (coordinators != 3 && coordinators != 5) {
            throw new IllegalArgumentException("coordinators must be 3 or 5, got " + coordinators);
        }
        if (workers < 1 || workers > 16) {
            throw new IllegalArgumentException("workers must be 1..16, got " + workers);
        }
        if (workerSlots < 1 || workerSlots > 64) {
            throw new IllegalArgumentException("workerSlots must be 1..64, got " + workerSlots);
        }
        coordinatorSettings = new TreeMap<>(coordinatorSettings);
        faultSupport = faultSupport == null ? FaultSupport.NONE : faultSupport;
    }

    /** This spec with {@code support} prepared as well. */
    public ClusterSpec with(FaultSupport support) {
        return copy(faultSupport.and(support), tokens);
    }

    /** This spec with coordinators that take any client: every request then acts for nobody in particular. */
    public ClusterSpec withoutTokens() {
        return copy(faultSupport, false);
    }

    private ClusterSpec copy(FaultSupport support, boolean withTokens) {
        return new ClusterSpec(
                coordinators,
                workers,
                workerSlots,
                image,
                distribution,
                logs,
                coordinatorSettings,
                javaOptions,
                support,
                withTokens);
    }
}
