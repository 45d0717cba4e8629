package io.corral.coordinator.rpc;

import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Command;
import io.corral.protocol.Request;
import io.corral.protocol.transport.Session;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/** Translation of client requests into state-machine commands and reads: one table per kind. */
final class Requests {
    private Requests() {}

    /** The reads a member answers from its state, and whether the client allows a stale answer. */
    private static final Map<Class<? extends Request>, Predicate<Request>> READS = Map.of(
            Request.HasBlob.class, r -> false,
            Request.GetJob.class, r -> ((Request.GetJob) r).stale(),
            Request.GetTask.class, r -> ((Request.GetTask) r).stale(),
            Request.ListJobs.class, r -> ((Request.ListJobs) r).stale(),
            Request.GetLock.class, r -> ((Request.GetLock) r).stale(),
            Request.ListLocks.class, r -> ((Request.ListLocks) r).stale());

    /**
     * The command each write request becomes, given who sent it. Ownership travels in the command (the owner of a new
     * job, the caller of a cancel), never taken from the request, so apply decides it on every replica alike.
     */
    private static final Map<Class<? extends Request>, BiFunction<Request, Caller, Command>> WRITES = Map.of(
            Request.SubmitJob.class, (r, by) -> submit((Request.SubmitJob) r, by),
            Request.CancelJob.class, (r, by) -> new Command.CancelJob(((Request.CancelJob) r).jobId(), by),
            Request.ReleaseLock.class,
                    (r, by) -> {
                        Request.ReleaseLock l = (Request.ReleaseLock) r;
                        return new Command.ReleaseLock(l.name(), l.token(), by);
                    },
            Request.RenewLock.class,
                    (r, by) -> {
                        Request.RenewLock l = (Request.RenewLock) r;
                        return new Command.RenewLock(l.name(), l.token(), by);
                    },
            Request.PutChunk.class,
                    (r, by) -> {
                        Request.PutChunk p = (Request.PutChunk) r;
                        int length = p.data() == null ? -1 : p.data().length;
                        return new Command.PutChunk(
                                p.sha256(), p.size(), p.index(), length, p.data(), by.tenant(), null);
                    },
            Request.RetryTasks.class, (r, by) -> new Command.RetryTasks(((Request.RetryTasks) r).id(), by),
            Request.SealBlob.class,
                    (r, by) -> {
                        Request.SealBlob s = (Request.SealBlob) r;
                        return new Command.SealBlob(s.sha256(), s.size(), s.chunks(), by.tenant());
                    });

    /** Whether {@code r} is a read of the replicated state. */
    static boolean isRead(Request r) {
        return READS.containsKey(r.getClass());
    }

    static boolean isStale(Request r) {
        Predicate<Request> stale = READS.get(r.getClass());
        return stale != null && stale.test(r);
    }

    /** The command a write request becomes, or null when the request is not a state change. */
    static Command toCommand(Request r, Caller by) {
        BiFunction<Request, Caller, Command> write = WRITES.get(r.getClass());
        return write == null ? null : write.apply(r, by);
    }

    /**
     * Who a session is, for the ownership rules: {@link Caller#SYSTEM} without authentication (nothing recorded,
     * nothing refused), else its token's tenant and role.
     */
    static Caller caller(Session session) {
        return session.principal().map(p -> new Caller(p.tenant(), p.role())).orElse(Caller.SYSTEM);
    }

    /** A lock acquire, recording the caller's tenant as the holder's. */
    static Command.AcquireLock acquire(Request.AcquireLock a, Caller by) {
        return new Command.AcquireLock(a.name(), a.owner(), a.ttlMs(), a.waitMs(), by.tenant());
    }

    private static Command.SubmitJob submit(Request.SubmitJob s, Caller by) {
        return new Command.SubmitJob(
                s.images(),
                s.operations(),
                s.priority(),
                s.maxAttempts(),
                s.taskTimeoutMs(),
                s.labels(),
                s.idempotencyKey(),
                by.tenant());
    }
}
