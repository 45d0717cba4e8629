package io.corral.coordinator.rpc;

import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.coordinator.config.PeerConfig;
import io.corral.coordinator.raft.RaftNode;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Gathers every member's status for {@code corral cluster status}: this node answers for itself, each peer over its
 * RPC port. A peer that does not answer in time is listed as unreachable rather than failing the whole request.
 */
public final class ClusterStatusCollector {
    static final long PEER_STATUS_TIMEOUT_MS = 2000;

    private final RaftNode raft;
    private final CoordinatorConfig config;
    private final PeerClients peers;

    public ClusterStatusCollector(RaftNode raft, CoordinatorConfig config, PeerClients peers) {
        this.raft = raft;
        this.config = config;
        this.peers = peers;
    }

    public CompletableFuture<Response> collect() {
        List<CompletableFuture<MemberStatus>> all = new ArrayList<>();
        for (PeerConfig p : config.peers()) {
            if (p.id().equals(config.nodeId())) {
                all.add(CompletableFuture.completedFuture(raft.status()));
            } else {
                all.add(peers.status(p, PEER_STATUS_TIMEOUT_MS).exceptionally(e -> unreachable(p, e)));
            }
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            List<MemberStatus> members =
                    all.stream().map(CompletableFuture::join).toList();
            String leader = members.stream()
                    .filter(m -> "LEADER".equals(m.role()))
                    .map(MemberStatus::id)
                    .findFirst()
                    .orElse(raft.leaderId());
            return new Response.ClusterStatus(leader, members);
        });
    }

    private static MemberStatus unreachable(PeerConfig p, Throwable e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return new MemberStatus(
                p.id(),
                p.raft(),
                p.rpc(),
                p.http(),
                "UNREACHABLE",
                -1,
                -1,
                -1,
                -1,
                null,
                false,
                String.valueOf(cause.getMessage()));
    }
}
