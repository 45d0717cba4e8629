package io.corral.coordinator.raft;

import io.corral.coordinator.store.AppliedMark;
import java.nio.file.Path;

/** Where a follower gets a checkpoint of the leader's state from, when the leader's log no longer reaches back. */
@FunctionalInterface
public interface CheckpointSource {
    /**
     * Downloads a consistent checkpoint of {@code leaderId}'s state into {@code target} (which does not exist yet)
     * and returns the applied mark it holds.
     */
    AppliedMark download(String leaderId, Path target) throws Exception;
}
