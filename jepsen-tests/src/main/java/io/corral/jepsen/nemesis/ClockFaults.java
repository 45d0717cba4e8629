package io.corral.jepsen.nemesis;

import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.FakeClock;
import io.corral.jepsen.cluster.FaultSupport;
import io.corral.jepsen.cluster.Node;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wall-clock faults on coordinators ({@link FakeClock}: CLOCK_REALTIME only, the monotonic clock is left alone, as
 * when NTP or an operator steps a host's clock). A coordinator reads the wall clock once, at start, and then counts
 * with the monotonic clock, so the faults come in two sorts:
 *
 * <ul>
 *   <li>Steps while a coordinator runs, which it must not follow: {@code clock-bump}, {@code clock-bump-leader} (a
 *       random member's, or the leader's, clock jumps forward or back by 1 to 60 s for the fault, and back when
 *       healed) and {@code clock-strobe} (the leader's clock flips between the true time and an offset of 1 to 30 s
 *       every 1 to 2 s).
 *   <li>Skew between members, which a coordinator cannot avoid: {@code clock-skew-failover} sets a follower's clock
 *       2 to 30 s ahead or behind, restarts its coordinator (which then counts from the skewed time), waits until it
 *       has caught up and hands leadership to it. The new leader's clock disagrees with the one that stamped the live
 *       leases and locks. Healed by a graceful restart at the true time.
 * </ul>
 *
 * <p>After each fault starts, it measures the leader's clock through the product: it acquires a probe lock, whose
 * expiry is the leader's time plus the TTL ({@code leaderClockOffsetMs} in the detail, with its uncertainty).
 */
public final class ClockFaults implements Nemesis {
    private static final Logger log = LoggerFactory.getLogger(ClockFaults.class);

    enum Mode {
        BUMP,
        BUMP_LEADER,
        STROBE,
        SKEW_FAILOVER
    }

    static final long BUMP_MIN_MS = 1_000;
    static final long BUMP_MAX_MS = 60_000;
    static final long STROBE_MIN_MS = 1_000;
    static final long STROBE_MAX_MS = 30_000;
    static final long SKEW_MIN_MS = 2_000;
    static final long SKEW_MAX_MS = 30_000;

    /** libfaketime reads the offset file at most once a second: wait this long before a change is in effect. */
    static final long TAKES_EFFECT_MS = 1_200;

    /** The probe lock: not one of the workload's locks, so it never shows in their histories. */
    static final String PROBE_LOCK = "jepsen-clock-probe";

    static final long PROBE_TTL_MS = 1_000;

    private final String kind;
    private final Mode mode;

    private ClockFaults(String kind, Mode mode) {
        this.kind = kind;
        this.mode = mode;
    }

    public static ClockFaults bump() {
        return new ClockFaults("clock-bump", Mode.BUMP);
    }

    public static ClockFaults bumpLeader() {
        return new ClockFaults("clock-bump-leader", Mode.BUMP_LEADER);
    }

    public static ClockFaults strobe() {
        return new ClockFaults("clock-strobe", Mode.STROBE);
    }

    public static ClockFaults skewFailover() {
        return new ClockFaults("clock-skew-failover", Mode.SKEW_FAILOVER);
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public FaultSupport needs() {
        return new FaultSupport(0, 0, true);
    }

    @Override
    public Optional<NemesisCheck> check() {
        return Optional.of(new ClockCheck());
    }

    /** A signed offset whose size is uniform in [min, max]. */
    static long offsetMs(Random random, long minMs, long maxMs) {
        long size = minMs + (long) (random.nextDouble() * (maxMs - minMs));
        return random.nextBoolean() ? size : -size;
    }

    @Override
    public Fault start(ContainerCluster cluster, Leaders leaders, Random random) {
        Map<String, Object> detail = new LinkedHashMap<>();
        List<Node> coordinators = cluster.coordinators();
        Node target;
        long offsetMs;
        switch (mode) {
            case BUMP -> {
                target = coordinators.get(random.nextInt(coordinators.size()));
                offsetMs = offsetMs(random, BUMP_MIN_MS, BUMP_MAX_MS);
            }
            case BUMP_LEADER -> {
                target = leaders.leaderOrRandom(cluster, random);
                offsetMs = offsetMs(random, BUMP_MIN_MS, BUMP_MAX_MS);
            }
            case STROBE -> {
                target = leaders.leaderOrRandom(cluster, random);
                offsetMs = offsetMs(random, STROBE_MIN_MS, STROBE_MAX_MS);
            }
            default -> {
                Node leader = leaders.leaderOrRandom(cluster, random);
                List<Node> followers = new ArrayList<>(coordinators);
                followers.remove(leader);
                target = followers.get(random.nextInt(followers.size()));
                offsetMs = offsetMs(random, SKEW_MIN_MS, SKEW_MAX_MS);
            }
        }
        detail.put("node", target.name());
        detail.put("offsetMs", offsetMs);
        FakeClock.set(target, offsetMs);
        Strobe strobe = null;
        if (mode == Mode.STROBE) {
            strobe = new Strobe(target, offsetMs, new Random(random.nextLong()));
            strobe.start();
        } else if (mode == Mode.SKEW_FAILOVER) {
            restart(cluster, target, detail);
            detail.put("transferredTo", transfer(cluster, target));
            probe(cluster, detail);
        } else {
            Admin.pause(TAKES_EFFECT_MS);
            probe(cluster, detail);
        }
        Strobe running = strobe;
        return new Fault() {
            @Override
            public String kind() {
                return kind;
            }

            @Override
            public Map<String, Object> detail() {
                return detail;
            }

            @Override
            public void heal() {
                if (running != null) {
                    running.stopAndJoin();
                    detail.put("flips", running.flips);
                }
                FakeClock.set(target, 0);
                if (mode == Mode.SKEW_FAILOVER) {
                    restart(cluster, target, detail); // a graceful stop: a leader hands leadership over first
                }
            }
        };
    }

    /** How long a restarted member may take to apply the leader's commit index again. */
    static final long CATCH_UP_TIMEOUT_MS = 60_000;

    /**
     * Stops the member gracefully and starts it again, so that it reads its (possibly skewed) wall clock anew, and
     * awaits it applying the commit index the members report.
     */
    static void restart(ContainerCluster cluster, Node n, Map<String, Object> detail) {
        n.stopProcess();
        n.start();
        long[] commit = {-1};
        boolean caughtUp = Admin.await(CATCH_UP_TIMEOUT_MS, () -> {
            Response.Membership m = Admin.membership(cluster);
            io.corral.protocol.MemberStatus s = Admin.nodeStatus(cluster, n);
            if (m == null || s == null) {
                return false;
            }
            commit[0] = Math.max(commit[0], m.commitIndex());
            return s.appliedIndex() >= commit[0];
        });
        if (!caughtUp) {
            detail.put("notCaughtUpAfterRestart", n.name());
        }
    }

    /** Attempts at handing leadership over: the request must reach the leader, which may change meanwhile. */
    static final int TRANSFER_ATTEMPTS = 3;

    /**
     * Hands leadership to {@code target}, asking the leader itself (a follower refuses: "the current leader is ...");
     * returns the leader afterwards, or why it failed.
     */
    static String transfer(ContainerCluster cluster, Node target) {
        String last = "no leader";
        for (int attempt = 1; attempt <= TRANSFER_ATTEMPTS; attempt++) {
            Response.Membership m = Membership.settled(cluster);
            if (m != null && target.name().equals(m.leaderId())) {
                return target.name();
            }
            if (m != null && m.leaderId() != null) {
                try (CorralClient c =
                        Admin.connect(cluster, cluster.node(m.leaderId()).rpcAddress(), 15_000)) {
                    c.call(new Request.TransferLeader(target.name()), Response.LeaderTransferred.class);
                } catch (CorralException | IllegalStateException e) {
                    last = e.getMessage();
                    log.warn("clock: could not hand leadership to {} (attempt {}): {}", target, attempt, last);
                }
            }
            Admin.await(5_000, () -> {
                Response.Membership now = Admin.membership(cluster);
                return now != null && target.name().equals(now.leaderId());
            });
        }
        Response.Membership m = Admin.membership(cluster);
        return m != null && target.name().equals(m.leaderId()) ? target.name() : "failed: " + last;
    }

    /**
     * The leader's clock as the product shows it: a probe lock's expiry minus its TTL is the leader's time at the
     * grant, compared with the midpoint of the request on this machine's clock (the kernel clock every container
     * shares).
     */
    static void probe(ContainerCluster cluster, Map<String, Object> detail) {
        try (CorralClient c = Admin.connect(cluster, cluster.memberRpcAddresses(), 5_000)) {
            long before = System.currentTimeMillis();
            Response.LockGranted g = c.call(
                    new Request.AcquireLock(PROBE_LOCK, "jepsen-nemesis", PROBE_TTL_MS, 0), Response.LockGranted.class);
            long after = System.currentTimeMillis();
            detail.put("leaderClockOffsetMs", g.expiresAtMs() - PROBE_TTL_MS - (before + after) / 2);
            detail.put("probeUncertaintyMs", (after - before) / 2);
            c.call(new Request.ReleaseLock(PROBE_LOCK, g.token()), Response.class);
        } catch (CorralException | IllegalStateException e) {
            detail.put("probeError", e.getMessage());
        }
    }

    /** Flips a node's clock between the true time and an offset until stopped. */
    private static final class Strobe extends Thread {
        private final Node node;
        private final long offsetMs;
        private final Random random;
        private volatile boolean stop;
        volatile int flips;

        Strobe(Node node, long offsetMs, Random random) {
            super("clock-strobe-" + node.name());
            setDaemon(true);
            this.node = node;
            this.offsetMs = offsetMs;
            this.random = random;
        }

        @Override
        public void run() {
            boolean on = true;
            while (!stop) {
                try {
                    Thread.sleep(1_000 + random.nextInt(1_000));
                    on = !on;
                    FakeClock.set(node, on ? offsetMs : 0);
                    flips++;
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log.warn("clock-strobe: {}", e.toString());
                }
            }
        }

        void stopAndJoin() {
            stop = true;
            interrupt();
            try {
                join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
