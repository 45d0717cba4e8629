package io.corral.jepsen.nemesis;

import io.corral.client.ClientOptions;
import io.corral.client.CorralClient;
import io.corral.client.CorralException;
import io.corral.client.HostPort;
import io.corral.jepsen.cluster.ContainerCluster;
import io.corral.jepsen.cluster.Node;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.function.BooleanSupplier;

/**
 * What the nemeses with checks of their own ask of the cluster, each request on a client of its own to the addresses
 * given (a fault can leave a shared connection on a member that no longer serves).
 */
final class Admin {
    /** Bound on connecting to any of the addresses; a member that is down is skipped after a refused connect. */
    static final long CONNECT_TIMEOUT_MS = 2_000;

    /** Pause between two looks at a condition being awaited. */
    static final long POLL_MS = 250;

    private Admin() {}

    /**
     * A client of {@code addresses} ({@code host:port,...}) with the cluster's admin token, whose calls time out after
     * {@code requestTimeoutMs}.
     */
    static CorralClient connect(ContainerCluster cluster, String addresses, long requestTimeoutMs) {
        return CorralClient.connect(ClientOptions.builder(HostPort.parseList(addresses))
                .clientName("corral-jepsen-nemesis")
                .token(cluster.tokens().admin())
                .connectTimeoutMs(CONNECT_TIMEOUT_MS)
                .connectRounds(2)
                .requestTimeoutMs(requestTimeoutMs)
                .build());
    }

    /** The replicated configuration as the leader sees it (any member forwards), or null when none answers now. */
    static Response.Membership membership(ContainerCluster cluster) {
        try (CorralClient c = connect(cluster, cluster.memberRpcAddresses(), 10_000)) {
            return c.call(new Request.GetMembership(), Response.Membership.class);
        } catch (CorralException | IllegalStateException e) {
            return null;
        }
    }

    /** One coordinator's own status, or null when it does not answer. */
    static MemberStatus nodeStatus(ContainerCluster cluster, Node n) {
        try (CorralClient c = connect(cluster, n.rpcAddress(), 3_000)) {
            return c.call(new Request.GetNodeStatus(), Response.NodeStatus.class)
                    .member();
        } catch (CorralException | IllegalStateException e) {
            return null;
        }
    }

    /**
     * Whether an error says to try again shortly: no leader yet, another change under way, a lost answer, a new member
     * not caught up enough to be promoted yet.
     */
    static boolean transientRefusal(CorralException e) {
        String m = String.valueOf(e.getMessage());
        return e.code().retryable()
                || e.code() == ErrorCode.TIMEOUT
                || m.contains("under way")
                || m.contains("no leader")
                || m.contains("not a ready leader")
                || m.contains("answer")
                || m.contains("wait until it catches up");
    }

    /** Polls {@code condition} until it holds or {@code timeoutMs} passed; returns whether it held. */
    static boolean await(long timeoutMs, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            pause(POLL_MS);
        }
    }

    static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
