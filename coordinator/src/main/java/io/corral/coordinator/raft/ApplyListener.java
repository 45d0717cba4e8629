package io.corral.coordinator.raft;

import io.corral.coordinator.state.Event;
import java.util.List;

/** Told, on every replica, of the events each applied entry produced, after the entry is committed to the store. */
@FunctionalInterface
public interface ApplyListener {
    void applied(long index, List<Event> events);
}
