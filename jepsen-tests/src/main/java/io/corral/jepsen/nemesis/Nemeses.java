package io.corral.jepsen.nemesis;

import io.corral.jepsen.cluster.FaultSupport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Every nemesis by name, for the command line and the test profiles. */
public final class Nemeses {
    private static final Map<String, Supplier<Nemesis>> ALL = new LinkedHashMap<>();

    static {
        ALL.put("partition-one", Partition::isolateOne);
        ALL.put("partition-leader", Partition::isolateLeader);
        ALL.put("partition-halves", Partition::halves);
        ALL.put("partition-ring", Partition::majoritiesRing);
        ALL.put("partition-bridge", Partition::bridge);
        ALL.put("partition-worker", Partition::isolateWorker);
        ALL.put("kill", Crash::killRandom);
        ALL.put("kill-leader", Crash::killLeader);
        ALL.put("kill-worker", Crash::killWorker);
        ALL.put("pause", Crash::pauseRandom);
        ALL.put("pause-leader", Crash::pauseLeader);
        ALL.put("pause-worker", Crash::pauseWorker);
        ALL.put("net", NetworkFaults::standard);
        ALL.put("replace-member", Membership::replaceMember);
        ALL.put("replace-leader", Membership::replaceLeader);
        ALL.put("clock-bump", ClockFaults::bump);
        ALL.put("clock-bump-leader", ClockFaults::bumpLeader);
        ALL.put("clock-strobe", ClockFaults::strobe);
        ALL.put("clock-skew-failover", ClockFaults::skewFailover);
        ALL.put("disk-full", DiskFull::random);
        ALL.put("disk-full-leader", DiskFull::ofLeader);
        ALL.put(HostileClient.KIND, HostileClient::new);
    }

    /** Groups accepted on the command line besides single names. */
    private static final Map<String, List<String>> GROUPS = Map.of(
            "partition",
                    List.of(
                            "partition-one",
                            "partition-leader",
                            "partition-halves",
                            "partition-ring",
                            "partition-bridge"),
            "crash", List.of("kill", "kill-leader", "kill-worker"),
            "pauses", List.of("pause", "pause-leader", "pause-worker"),
            "membership", List.of("replace-member", "replace-leader"),
            "clock", List.of("clock-bump", "clock-bump-leader", "clock-strobe", "clock-skew-failover"),
            "disk", List.of("disk-full", "disk-full-leader"),
            "all", List.copyOf(ALL.keySet()));

    /** The groups, for usage messages. */
    static final String GROUP_NAMES = "partition, crash, pauses, membership, clock, disk, all, none";

    private Nemeses() {}

    public static List<String> names() {
        return List.copyOf(ALL.keySet());
    }

    /**
     * What the cluster must be started with for the nemeses of a comma-separated list (see {@link #parse}).
     *
     * @throws IllegalArgumentException as {@link #parse} does
     */
    public static FaultSupport support(String csv) {
        FaultSupport all = FaultSupport.NONE;
        for (Nemesis n : parse(csv)) {
            all = all.and(n.needs());
        }
        return all;
    }

    /**
     * Parses a comma-separated list of nemesis names and groups ({@code partition}, {@code crash}, {@code pauses},
     * {@code membership}, {@code clock}, {@code disk}, {@code all}); {@code none} for no faults.
     *
     * @throws IllegalArgumentException naming an unknown entry and the accepted ones
     */
    public static List<Nemesis> parse(String csv) {
        List<Nemesis> out = new ArrayList<>();
        for (String raw : csv.split(",")) {
            String name = raw.trim();
            if (name.isEmpty() || name.equals("none")) {
                continue;
            }
            List<String> names = GROUPS.getOrDefault(name, List.of(name));
            for (String n : names) {
                Supplier<Nemesis> s = ALL.get(n);
                if (s == null) {
                    throw new IllegalArgumentException("unknown nemesis '" + name + "'; known: "
                            + String.join(", ", ALL.keySet()) + ", and the groups " + GROUP_NAMES);
                }
                if (out.stream().noneMatch(x -> x.kind().equals(n))) {
                    out.add(s.get());
                }
            }
        }
        return out;
    }
}
