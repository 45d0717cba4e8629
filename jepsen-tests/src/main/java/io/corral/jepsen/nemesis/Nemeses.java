package io.corral.jepsen.nemesis;

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
            "all", List.copyOf(ALL.keySet()));

    private Nemeses() {}

    public static List<String> names() {
        return List.copyOf(ALL.keySet());
    }

    /**
     * Parses a comma-separated list of nemesis names and groups ({@code partition}, {@code crash}, {@code pauses},
     * {@code all}); {@code none} for no faults.
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
                            + String.join(", ", ALL.keySet()) + ", and the groups partition, crash, pauses, all, none");
                }
                if (out.stream().noneMatch(x -> x.kind().equals(n))) {
                    out.add(s.get());
                }
            }
        }
        return out;
    }
}
