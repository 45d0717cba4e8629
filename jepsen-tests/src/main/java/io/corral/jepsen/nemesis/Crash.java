package io.corral.jepsen.nemesis;

import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.Node;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * Process faults: SIGKILL and restart, or a freeze with {@code docker pause} (the cgroup freezer: the process neither
 * runs nor notices, then resumes as if no time had passed — the classic zombie-lease case for a worker).
 */
public final class Crash implements Nemesis {
    public enum Mode {
        KILL,
        PAUSE
    }

    private final String kind;
    private final Mode mode;
    private final BiFunction<ContainerCluster, Partition.Choice, Node> target;

    private Crash(String kind, Mode mode, BiFunction<ContainerCluster, Partition.Choice, Node> target) {
        this.kind = kind;
        this.mode = mode;
        this.target = target;
    }

    public static Crash killRandom() {
        return new Crash("kill", Mode.KILL, Crash::randomCoordinator);
    }

    public static Crash killLeader() {
        return new Crash("kill-leader", Mode.KILL, (c, ch) -> ch.leaders().leaderOrRandom(c, ch.random()));
    }

    public static Crash killWorker() {
        return new Crash("kill-worker", Mode.KILL, Crash::randomWorker);
    }

    public static Crash pauseRandom() {
        return new Crash("pause", Mode.PAUSE, Crash::randomCoordinator);
    }

    public static Crash pauseLeader() {
        return new Crash("pause-leader", Mode.PAUSE, (c, ch) -> ch.leaders().leaderOrRandom(c, ch.random()));
    }

    public static Crash pauseWorker() {
        return new Crash("pause-worker", Mode.PAUSE, Crash::randomWorker);
    }

    private static Node randomCoordinator(ContainerCluster c, Partition.Choice ch) {
        List<Node> all = c.coordinators();
        return all.get(ch.random().nextInt(all.size()));
    }

    /** A worker holding a lease when there is one: a fault on an idle worker proves little. */
    private static Node randomWorker(ContainerCluster c, Partition.Choice ch) {
        return ch.leaders().busyWorkerOrRandom(c, ch.random());
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public Fault start(ContainerCluster cluster, Leaders leaders, Random random) {
        Node n = target.apply(cluster, new Partition.Choice(random, leaders));
        if (mode == Mode.KILL) {
            n.kill();
        } else {
            n.pause();
        }
        return new Fault() {
            @Override
            public String kind() {
                return kind;
            }

            @Override
            public Map<String, Object> detail() {
                return Map.of("node", n.name());
            }

            @Override
            public void heal() {
                if (mode == Mode.KILL) {
                    n.start();
                } else if (n.paused()) {
                    n.resume();
                }
            }
        };
    }
}
