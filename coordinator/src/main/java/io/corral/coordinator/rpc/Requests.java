package io.corral.coordinator.rpc;

import io.corral.coordinator.state.Command;
import io.corral.protocol.Request;

/** Translation of client requests into state-machine commands. */
final class Requests {
    private Requests() {}

    static boolean isStale(Request r) {
        if (r instanceof Request.GetJob g) {
            return g.stale();
        }
        if (r instanceof Request.GetTask t) {
            return t.stale();
        }
        if (r instanceof Request.ListJobs l) {
            return l.stale();
        }
        if (r instanceof Request.GetLock g) {
            return g.stale();
        }
        if (r instanceof Request.ListLocks l) {
            return l.stale();
        }
        return false;
    }

    /** The command a write request becomes, or null when the request is not a state change. */
    static Command toCommand(Request r) {
        if (r instanceof Request.SubmitJob s) {
            return new Command.SubmitJob(
                    s.images(),
                    s.operations(),
                    s.priority(),
                    s.maxAttempts(),
                    s.taskTimeoutMs(),
                    s.labels(),
                    s.idempotencyKey());
        }
        if (r instanceof Request.CancelJob c) {
            return new Command.CancelJob(c.jobId());
        }
        if (r instanceof Request.ReleaseLock l) {
            return new Command.ReleaseLock(l.name(), l.token());
        }
        if (r instanceof Request.RenewLock l) {
            return new Command.RenewLock(l.name(), l.token());
        }
        if (r instanceof Request.PutChunk p) {
            return new Command.PutChunk(
                    p.sha256(), p.size(), p.index(), p.data() == null ? -1 : p.data().length, p.data());
        }
        if (r instanceof Request.RetryTasks t) {
            return new Command.RetryTasks(t.id());
        }
        if (r instanceof Request.SealBlob s) {
            return new Command.SealBlob(s.sha256(), s.size(), s.chunks());
        }
        return null;
    }
}
