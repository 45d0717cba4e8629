package io.corral.jepsen.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.jepsen.checker.Validity;
import io.corral.jepsen.cluster.NodeImage;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The short profile of the fault-injection harness that runs in every build: a few scenarios of about a minute each
 * that together cover every workload and the key nemeses, on three coordinators and two workers in containers. Every
 * run also checks availability (the runner always does): after each heal every client writes again within the
 * recovery bound, quiet spells answer, every task ends. Each run leaves its report in {@code
 * jepsen-tests/target/jepsen/NAME/TIMESTAMP/}. {@code -Djepsen.seconds=N} and {@code -Djepsen.seed=N} change the length
 * of the fault phase and the seed.
 */
@Tag("docker")
class ShortProfileTest {
    static final Path ROOT =
            Path.of(System.getProperty("corral.root", "..")).toAbsolutePath().normalize();
    static final Path OUT = Path.of("target/jepsen").toAbsolutePath();
    /**
     * With this seed each scenario's first two faults are: partition-leader then partition-one (queue),
     * partition-leader then partition-ring (lock), kill then partition-bridge (all); pause-worker then
     * partition-worker in {@link DeliberateFaultsTest}.
     */
    static final long SEED = Long.getLong("jepsen.seed", 20261126L);
    /** With the recovery phase after the final heal (the bound and 5 s), a run's clients write for about 46 s. */
    static final int SECONDS = Integer.getInteger("jepsen.seconds", 30);

    static RunSpec spec(String name, String workload, String nemeses) {
        return new RunSpec(name, workload, nemeses, SECONDS, 3, 2, 4, SEED, NodeImage.HOST_JDK, ROOT, OUT);
    }

    /**
     * The scenario that found a member refusing every write for good after one failed (issue 10): idle workers follow
     * the leader, so partition-leader strands them on a deposed leader whose writes fail; partition-one does the same
     * to a follower's forwarded writes. Every other checker passed such a run; availability must not.
     */
    @Test
    void queueWithWorkersOnAPartitionedLeader() throws Exception {
        valid(Runner.run(spec("queue-partitioned-leader", "queue", "partition-leader,partition-one")));
    }

    @Test
    void locksUnderPartitionsAndLeaderPauses() throws Exception {
        valid(Runner.run(
                spec("lock-partitions", "lock", "partition-leader,partition-halves,partition-ring,pause-leader")));
    }

    @Test
    void bothWorkloadsUnderKillsAndABadNetwork() throws Exception {
        valid(Runner.run(spec("all-kill-net", "all", "kill,net,partition-worker,partition-bridge")));
    }

    private static void valid(RunResult r) {
        assertThat(r.verdict().validity())
                .as(
                        "verdict of %s; report in %s%n%s",
                        r.spec().name(), r.dir(), r.verdict().failures())
                .isEqualTo(Validity.VALID);
    }
}
