package io.corral.jepsen.nemesis;

import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.Node;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A bad network on every coordinator: packet loss and, where the kernel has {@code sch_netem}, delay with jitter
 * ({@code tc qdisc ... netem}). Where netem is missing (some CI kernels), loss is made with iptables' {@code
 * statistic} match instead and no delay is added; the fault's detail says which was used.
 */
public final class NetworkFaults implements Nemesis {
    private final int delayMs;
    private final int jitterMs;
    private final int lossPercent;

    public NetworkFaults(int delayMs, int jitterMs, int lossPercent) {
        this.delayMs = delayMs;
        this.jitterMs = jitterMs;
        this.lossPercent = lossPercent;
    }

    /** The default: 50 ms ± 25 ms and 10 % loss. */
    public static NetworkFaults standard() {
        return new NetworkFaults(50, 25, 10);
    }

    @Override
    public String kind() {
        return "net";
    }

    /** Whether {@code tc ... netem} works in the node's container. */
    static boolean hasNetem(Node n) {
        if (n.exec("tc", "qdisc", "add", "dev", "eth0", "root", "netem", "delay", "1ms")
                        .getExitCode()
                != 0) {
            return false;
        }
        n.exec("tc", "qdisc", "del", "dev", "eth0", "root");
        return true;
    }

    @Override
    public Fault start(ContainerCluster cluster, Leaders leaders, Random random) {
        List<Node> nodes = cluster.coordinators();
        boolean netem = hasNetem(nodes.get(0));
        Map<String, Object> detail = new TreeMap<>();
        detail.put("nodes", nodes.stream().map(Node::name).toList());
        detail.put("lossPercent", lossPercent);
        if (netem) {
            detail.put("delayMs", delayMs);
            detail.put("jitterMs", jitterMs);
            detail.put("method", "netem");
            for (Node n : nodes) {
                n.execOk(
                        "tc",
                        "qdisc",
                        "add",
                        "dev",
                        "eth0",
                        "root",
                        "netem",
                        "delay",
                        delayMs + "ms",
                        jitterMs + "ms",
                        "loss",
                        lossPercent + "%");
            }
        } else {
            detail.put("method", "iptables statistic (no netem in this kernel: loss only, no delay)");
            String p = Double.toString(lossPercent / 100.0);
            for (Node n : nodes) {
                n.execOk(
                        "iptables",
                        "-A",
                        "INPUT",
                        "-m",
                        "statistic",
                        "--mode",
                        "random",
                        "--probability",
                        p,
                        "-j",
                        "DROP");
            }
        }
        return new Fault() {
            @Override
            public String kind() {
                return "net";
            }

            @Override
            public Map<String, Object> detail() {
                return detail;
            }

            @Override
            public void heal() {
                for (Node n : nodes) {
                    if (netem) {
                        n.exec("tc", "qdisc", "del", "dev", "eth0", "root");
                    } else {
                        Partition.flush(n);
                    }
                }
            }
        };
    }
}
