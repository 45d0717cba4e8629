package io.corral.coordinator.state.jobs;

import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Space;
import java.util.ArrayList;
import java.util.List;

/** The queue of pending tasks, read in key order: highest priority first, then oldest submission, then image order. */
public final class PendingQueue {
    private PendingQueue() {}

    /** The ids of the next {@code max} pending tasks, in the order they should be leased. */
    public static List<String> peek(KvView view, int max) {
        List<String> ids = new ArrayList<>();
        if (max <= 0) {
            return ids;
        }
        view.scan(Space.PENDING, null, null, false, (key, value) -> {
            ids.add(Keys.utf8(value, 0, value.length));
            return ids.size() < max;
        });
        return ids;
    }
}
