package io.corral.coordinator.raft;

import io.corral.coordinator.store.AppliedMark;
import java.nio.file.Path;

/** Where a follower gets a checkpoint of the leader's state from, when the leader's log no longer reaches back. */
@FunctionalInterface
public interface CheckpointSource {
    /**
     * Downloads a consistent checkpoint of {@code leaderId}'s state into {@code target} (which does not exist yet)
     * and returns the applied mark it holds.
     *
     * @param leaderRpcAddress the leader's RPC address as the leader's own configuration carries it (a new member
     *     learns it from the install request itself, before it knows any configuration); null when that
     *     configuration does not carry addresses, and the source looks the leader up itself
     */
    AppliedMark download(String leaderId, String leaderRpcAddress, Path target) throws Exception;
}
