package io.corral.coordinator.raft;

import io.corral.coordinator.state.Applied;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.LeaseResult;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.LeaseStatus;
import io.corral.protocol.Response;
import io.corral.protocol.StaleLease;
import java.util.List;

/**
 * The one place where the core's {@link LeaseResult}s become wire messages. The state machine answers a lease command
 * with the mapped message, so the coordinator that submitted it (any member, through its Raft client) receives what
 * it forwards to the worker: a {@link Response.LeaseOffer} for a grant, a {@link Response.HeartbeatAck}, and so on.
 */
public final class LeaseReplies {
    private LeaseReplies() {}

    /** The reply of an applied entry: the core's reply, or the mapped lease result when there is one. */
    static Response of(Command command, Applied applied) {
        if (applied.result() instanceof LeaseResult.SubmittedAndGranted g
                && applied.reply() instanceof Response.JobSubmitted submitted) {
            java.util.Map<String, List<LeaseGrant>> grants = new java.util.TreeMap<>();
            g.byWorker()
                    .forEach((worker, list) -> grants.put(
                            worker, list.stream().map(LeaseReplies::grant).toList()));
            return new Response.JobSubmittedWithLeases(submitted.jobId(), submitted.created(), grants);
        }
        return applied.result() == null ? applied.reply() : of(command, applied.result());
    }

    static Response of(Command command, LeaseResult result) {
        if (result instanceof LeaseResult.Granted g) {
            return new Response.LeaseOffer(
                    g.grants().stream().map(LeaseReplies::grant).toList());
        } else if (result instanceof LeaseResult.Leases l && command instanceof Command.ReleaseLeases) {
            return new Response.LeasesReleased(statuses(l.accepted()), stale(l.stale()));
        } else if (result instanceof LeaseResult.Leases l) {
            return new Response.HeartbeatAck(statuses(l.accepted()), stale(l.stale()));
        } else if (result instanceof LeaseResult.TaskUpdated u) {
            return new Response.TaskUpdated(u.taskId(), u.state());
        } else if (result instanceof LeaseResult.Retried r) {
            return new Response.TasksRetried(r.tasks());
        }
        // Expired and AllExtended answer the leader's own housekeeping, which only needs to know it was applied.
        return new Response.Ack();
    }

    /** A granted task as the worker receives it. */
    public static LeaseGrant grant(LeaseResult.Grant g) {
        return new LeaseGrant(
                g.taskId(),
                g.jobId(),
                g.imageName(),
                g.imageSha256(),
                g.imageSize(),
                g.operations(),
                g.taskTimeoutMs(),
                g.token(),
                g.expiresAtMs());
    }

    private static List<LeaseStatus> statuses(List<LeaseResult.LeaseState> states) {
        return states.stream()
                .map(s -> new LeaseStatus(s.taskId(), s.token(), s.expiresAtMs()))
                .toList();
    }

    private static List<StaleLease> stale(List<LeaseResult.StaleLease> stale) {
        return stale.stream()
                .map(s -> new StaleLease(s.taskId(), s.token(), s.reason()))
                .toList();
    }
}
