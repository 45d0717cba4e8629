package io.corral.coordinator.raft;

import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.Event;
import java.util.List;

/**
 * Told, on every replica, of each applied state-machine entry after it is committed to the store: the command and the
 * events it produced. Runs on the apply thread, so it must be quick and must not block.
 */
@FunctionalInterface
public interface ApplyListener {
    void applied(long index, Command command, List<Event> events);
}
