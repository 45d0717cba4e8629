package io.corral.jepsen.nemesis;

import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Network partitions between coordinators, made with iptables in each container: a node drops every packet from the
 * nodes it must not hear from (its "grudge"), so a cut is symmetric when both sides hold the grudge. Workers and the
 * test's clients are not cut off unless the grudge says so.
 */
public final class Partition implements Nemesis {
    private final String kind;
    private final BiFunction<ContainerCluster, Choice, Map<Node, Set<Node>>> grudge;

    /** What a grudge may depend on: the seeded generator and the current leader. */
    record Choice(Random random, Leaders leaders) {}

    private Partition(String kind, BiFunction<ContainerCluster, Choice, Map<Node, Set<Node>>> grudge) {
        this.kind = kind;
        this.grudge = grudge;
    }

    /** One random coordinator cut off from the other coordinators. */
    public static Partition isolateOne() {
        return new Partition("partition-one", (c, ch) -> {
            List<Node> all = c.coordinators();
            return isolate(all, all.get(ch.random().nextInt(all.size())));
        });
    }

    /** The leader cut off from the other coordinators (it keeps its clients and workers: a stale leader). */
    public static Partition isolateLeader() {
        return new Partition(
                "partition-leader",
                (c, ch) -> isolate(c.coordinators(), ch.leaders().leaderOrRandom(c, ch.random())));
    }

    /** The coordinators split into a majority and a minority at random. */
    public static Partition halves() {
        return new Partition("partition-halves", (c, ch) -> {
            List<Node> shuffled = new ArrayList<>(c.coordinators());
            Collections.shuffle(shuffled, ch.random());
            int cut = shuffled.size() / 2;
            return complete(List.of(shuffled.subList(0, cut), shuffled.subList(cut, shuffled.size())));
        });
    }

    /**
     * Jepsen's "majorities ring": the coordinators on a shuffled ring, each hearing only a majority made of itself and
     * its nearest ring neighbours, so every node has a majority and no two agree on which. With five nodes each hears
     * its two neighbours (the cuts are symmetric); with three each hears itself and its successor (the cuts are
     * one-way).
     */
    public static Partition majoritiesRing() {
        return new Partition("partition-ring", (c, ch) -> {
            List<Node> ring = new ArrayList<>(c.coordinators());
            Collections.shuffle(ring, ch.random());
            int n = ring.size();
            int majority = n / 2 + 1;
            int before = (majority - 1) / 2;
            Map<Node, Set<Node>> g = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                Set<Node> blocked = new LinkedHashSet<>(ring);
                for (int k = -before; k < majority - before; k++) {
                    blocked.remove(ring.get(Math.floorMod(i + k, n)));
                }
                g.put(ring.get(i), blocked);
            }
            return g;
        });
    }

    /** Two halves joined by one bridge node that hears both sides. */
    public static Partition bridge() {
        return new Partition("partition-bridge", (c, ch) -> {
            List<Node> shuffled = new ArrayList<>(c.coordinators());
            Collections.shuffle(shuffled, ch.random());
            int n = shuffled.size();
            Node bridge = shuffled.get(n / 2);
            List<Node> left = shuffled.subList(0, n / 2);
            List<Node> right = shuffled.subList(n / 2 + 1, n);
            Map<Node, Set<Node>> g = new LinkedHashMap<>();
            left.forEach(l -> g.put(l, new LinkedHashSet<>(right)));
            right.forEach(r -> g.put(r, new LinkedHashSet<>(left)));
            g.put(bridge, new LinkedHashSet<>());
            return g;
        });
    }

    /**
     * A worker cut off from every coordinator, preferably one holding a lease: its leases lapse while it may still be
     * running tasks, and it reports them once the partition heals.
     */
    public static Partition isolateWorker() {
        return new Partition("partition-worker", (c, ch) -> {
            Node w = ch.leaders().busyWorkerOrRandom(c, ch.random());
            Map<Node, Set<Node>> g = new LinkedHashMap<>();
            g.put(w, new LinkedHashSet<>(c.coordinators()));
            c.coordinators().forEach(n -> g.put(n, new LinkedHashSet<>(Set.of(w))));
            return g;
        });
    }

    static Map<Node, Set<Node>> isolate(List<Node> all, Node lonely) {
        List<Node> rest = new ArrayList<>(all);
        rest.remove(lonely);
        return complete(List.of(List.of(lonely), rest));
    }

    /** Every node drops packets from every node of the other components. */
    static Map<Node, Set<Node>> complete(List<List<Node>> components) {
        Map<Node, Set<Node>> g = new LinkedHashMap<>();
        for (List<Node> component : components) {
            for (Node n : component) {
                Set<Node> blocked = new LinkedHashSet<>();
                for (List<Node> other : components) {
                    if (other != component) {
                        blocked.addAll(other);
                    }
                }
                g.put(n, blocked);
            }
        }
        return g;
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public Fault start(ContainerCluster cluster, Leaders leaders, Random random) {
        Map<Node, Set<Node>> g = grudge.apply(cluster, new Choice(random, leaders));
        Map<String, Object> detail = new TreeMap<>();
        for (Map.Entry<Node, Set<Node>> e : g.entrySet()) {
            for (Node from : e.getValue()) {
                e.getKey().execOk("iptables", "-A", "INPUT", "-s", from.ip(), "-j", "DROP");
            }
            if (!e.getValue().isEmpty()) {
                detail.put(
                        e.getKey().name(),
                        e.getValue().stream().map(Node::name).sorted().toList());
            }
        }
        List<Node> touched = new ArrayList<>(g.keySet());
        return new Fault() {
            @Override
            public String kind() {
                return kind;
            }

            @Override
            public Map<String, Object> detail() {
                return Map.of("drops", detail);
            }

            @Override
            public void heal() {
                touched.forEach(Partition::flush);
            }
        };
    }

    /** Removes every partition rule of a node. */
    static void flush(Node n) {
        n.exec("iptables", "-F", "INPUT");
    }
}
