package io.corral.coordinator.rpc;

import io.corral.coordinator.membership.Member;
import io.corral.coordinator.membership.Members;
import io.corral.coordinator.raft.RaftNode;
import io.corral.protocol.MemberStatus;
import io.corral.protocol.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Gathers every member's status for {@code corral cluster status}: this node answers for itself, each peer over its
 * RPC port. The members are those of the replicated configuration (voters, listeners, and voters being removed), so
 * members added at run time are included. A peer that does not answer in time is listed as unreachable rather than
 * failing the whole request.
 */
public final class ClusterStatusCollector {
    static final long PEER_STATUS_TIMEOUT_MS = 2000;

    private final RaftNode raft;
    private final Members members;
    private final PeerClients peers;

    public ClusterStatusCollector(RaftNode raft, Members members, PeerClients peers) {
        this.raft = raft;
        this.members = members;
        this.peers = peers;
    }

    public CompletableFuture<Response> collect() {
        List<CompletableFuture<MemberStatus>> all = new ArrayList<>();
        for (Member p : members.current().everyone()) {
            if (p.id().equals(members.selfId())) {
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

    private static MemberStatus unreachable(Member p, Throwable e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return new MemberStatus(
                p.id(),
                p.raftAddress(),
                p.rpcAddress(),
                p.httpAddress(),
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
