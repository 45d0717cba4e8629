package io.corral.coordinator.membership;

import io.corral.coordinator.config.PeerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A coordinator of the cluster and the addresses it serves: Raft (gRPC between coordinators), RPC (clients, workers
 * and peers) and HTTP. {@code rpcAddress} and {@code httpAddress} are null when nobody told this member (a member of
 * a configuration written before the addresses were carried in it, and absent from the static peers).
 */
public record Member(String id, String raftAddress, String rpcAddress, String httpAddress) {
    public static Member of(PeerConfig p) {
        return new Member(p.id(), p.raft(), p.rpc(), p.http());
    }

    /** The addresses this member listens on, the unknown ones left out. */
    public List<String> addresses() {
        List<String> all = new ArrayList<>(3);
        for (String a : new String[] {raftAddress, rpcAddress, httpAddress}) {
            if (a != null) {
                all.add(a);
            }
        }
        return all;
    }

    /** The same member with {@code http} as its HTTP address. */
    public Member withHttpAddress(String http) {
        return new Member(id, raftAddress, rpcAddress, http);
    }
}
