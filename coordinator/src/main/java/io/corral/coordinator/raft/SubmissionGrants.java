package io.corral.coordinator.raft;

import io.corral.coordinator.state.Command;
import io.corral.protocol.LeaseGrant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Grants the leader adds to a submission when it stamps the entry ({@link CorralStateMachine#startTransaction}): its
 * own idle workers get their tasks in the submission's entry, whichever member the client sent the job to. The
 * workers are reserved while the entry is in flight, so no dispatch round offers their slots twice.
 */
public interface SubmissionGrants {
    /**
     * Reserves idle workers connected to this member for up to {@code tasks} tasks, leaving out {@code named}
     * (workers the proposing member already named); null when there is none.
     */
    Reservation reserve(int tasks, Set<String> named);

    /** The workers one entry names, until it is applied or abandoned. Ends once; later calls do nothing. */
    interface Reservation {
        /** One LeaseTasks per reserved worker, for the entry. */
        List<Command.LeaseTasks> leases();

        /** This member applied the entry as its leader: pushes each worker its grants (maybe none) and ends. */
        void applied(Map<String, List<LeaseGrant>> grants);

        /** The entry will not be applied by this member as leader (it stepped down, or the entry failed). */
        void abandoned();
    }

    /** No worker is ever reserved: for tests and members without a worker service. */
    SubmissionGrants NONE = (tasks, named) -> null;
}
