package io.corral.coordinator.raft;

import io.corral.coordinator.Coordinator;
import io.corral.coordinator.cluster.LocalCluster;
import java.util.List;

/**
 * A follower left alone: every other member stopped, then started again. While they are down the survivor has no
 * leader, so its writes run out of time; once they are back it hears a leader again.
 */
final class Outage {
    private final LocalCluster cluster;
    private final String survivor;
    private final List<String> others;

    private Outage(LocalCluster cluster, String survivor) {
        this.cluster = cluster;
        this.survivor = survivor;
        this.others = cluster.ids().stream().filter(id -> !id.equals(survivor)).toList();
    }

    /** Picks a member that does not lead now as the survivor. */
    static Outage ofAFollower(LocalCluster cluster) {
        String leader = cluster.awaitLeader();
        return new Outage(
                cluster,
                cluster.ids().stream()
                        .filter(id -> !id.equals(leader))
                        .findFirst()
                        .orElseThrow());
    }

    Coordinator survivor() {
        return cluster.member(survivor);
    }

    String survivorId() {
        return survivor;
    }

    void stopOthers() {
        others.forEach(cluster::stopMember);
    }

    void startOthers() {
        others.forEach(cluster::startMember);
    }
}
