package io.corral.protocol;

/**
 * One member of the cluster's replicated Raft configuration, with the leader's view of its progress ({@code corral
 * cluster status}, {@code add-peer}, {@code remove-peer}).
 *
 * @param httpAddress null when the member was added without one and did not report it
 * @param role {@code VOTER} (counts for elections and commits), {@code LISTENER} (replicates and applies the log but
 *     does not vote), {@code JOINING} (being caught up by the leader before the configuration that adds it is
 *     written) or {@code LEAVING} (a voter the change under way removes)
 * @param matchIndex the last log index the leader knows this member holds; for the leader itself its commit index;
 *     -1 when unknown (the answer did not come from the leader)
 * @param lastContactMs how long ago the leader last heard from this member; 0 for the leader itself; -1 when unknown
 */
public record PeerView(
        String id,
        String raftAddress,
        String rpcAddress,
        String httpAddress,
        String role,
        long matchIndex,
        long lastContactMs) {}
