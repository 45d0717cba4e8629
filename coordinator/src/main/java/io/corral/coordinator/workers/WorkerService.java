package io.corral.coordinator.workers;

import io.corral.auth.Principal;
import io.corral.coordinator.config.CoordinatorConfig;
import io.corral.coordinator.raft.CorralStateMachine;
import io.corral.coordinator.raft.LeaseReplies;
import io.corral.coordinator.raft.RaftNode;
import io.corral.coordinator.state.Checks;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.Event;
import io.corral.coordinator.state.StateCore;
import io.corral.coordinator.state.jobs.TaskRecord;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.leases.LeaseRules;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.LeaseGrant;
import io.corral.protocol.LeaseRef;
import io.corral.protocol.LeaseStatus;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.StaleLease;
import io.corral.protocol.TaskState;
import io.corral.protocol.WorkerView;
import io.corral.protocol.transport.Session;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator side of the worker protocol: registration and heartbeats (in memory, on the coordinator the worker
 * is connected to), and the lease reports, which become commands committed through Raft. Decisions are the leader's;
 * this class only keeps its {@link WorkerRegistry} in step with the answers and triggers dispatch when slots free up.
 */
public final class WorkerService {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerService.class);
    /** Capabilities a worker may declare. */
    static final int MAX_CAPABILITIES = 32;

    private final RaftNode raft;
    private final CorralStateMachine stateMachine;
    private final WorkerRegistry registry;
    private final Dispatcher dispatcher;
    private final CoordinatorConfig.Workers config;
    private final LongSupplier clockMs;

    public WorkerService(
            RaftNode raft,
            CorralStateMachine stateMachine,
            WorkerRegistry registry,
            Dispatcher dispatcher,
            CoordinatorConfig.Workers config,
            LongSupplier clockMs) {
        this.raft = raft;
        this.stateMachine = stateMachine;
        this.registry = registry;
        this.dispatcher = dispatcher;
        this.config = config;
        this.clockMs = clockMs;
    }

    /** Whether {@link #handle} serves this request. */
    public static boolean isWorkerRequest(Request r) {
        return r instanceof Request.RegisterWorker
                || r instanceof Request.Heartbeat
                || r instanceof Request.CompleteTask
                || r instanceof Request.FailTask
                || r instanceof Request.ReportProgress
                || r instanceof Request.ReleaseLeases;
    }

    /** @throws io.corral.coordinator.state.InvalidCommandException for bad input, before anything is committed */
    public CompletableFuture<Response> handle(Request request, Session session) {
        if (request instanceof Request.RegisterWorker r) {
            return CompletableFuture.completedFuture(register(r, session));
        } else if (request instanceof Request.Heartbeat h) {
            return heartbeat(h, session);
        } else if (request instanceof Request.ReleaseLeases r) {
            return release(r, session);
        }
        String worker = registry.workerOn(session);
        if (worker == null) {
            // The lease commands name their worker from the connection, never from the request. Retryable: a worker
            // whose connection was replaced registers again on the new one, and its report then goes through.
            return CompletableFuture.completedFuture(new Response.ErrorReply(
                    ErrorCode.UNAVAILABLE,
                    "no worker is registered on this connection (yet); send RegisterWorker first"));
        }
        Command command = taskCommand(
                request, worker, session.principal().map(Principal::tenant).orElse(null));
        String taskId = taskIdOf(command);
        return submit(command).thenApply(reply -> {
            if (reply instanceof Response.ErrorReply e && e.code() == ErrorCode.STALE_LEASE) {
                dispatcher.metrics().staleRefused(request.getClass().getSimpleName(), 1);
            }
            if (endsLease(reply)) {
                registry.finished(worker, List.of(taskId));
                dispatcher.trigger();
            }
            return reply;
        });
    }

    private Response register(Request.RegisterWorker r, Session session) {
        LeaseRules.validateWorker(r.workerId());
        Checks.requireRange("slots", r.slots(), 0, CoreLimits.MAX_TASKS_PER_LEASE);
        if (r.capabilities().size() > MAX_CAPABILITIES) {
            throw Checks.bad(r.capabilities().size() + " capabilities; at most " + MAX_CAPABILITIES + " are allowed");
        }
        for (String c : r.capabilities()) {
            Checks.requireName("capabilities", c, Limits.MAX_NAME_CHARS);
        }
        String refusal = WorkerIdentity.refusal(session.principal(), r.workerId());
        if (refusal != null) {
            return new Response.ErrorReply(ErrorCode.PERMISSION_DENIED, refusal);
        }
        if (!r.workerId().equals(registry.workerOn(session)) && registry.workerOn(session) != null) {
            return new Response.ErrorReply(
                    ErrorCode.CONFLICT,
                    "this connection is worker '" + registry.workerOn(session) + "'; one worker per connection");
        }
        List<String> held = new ArrayList<>();
        if (stateMachine.store() != null) {
            StateCore core = stateMachine.core();
            for (TaskRecord t : core.leasesOf(stateMachine.store().view(), r.workerId())) {
                held.add(t.id());
            }
        }
        registry.register(r.workerId(), session, r.slots(), r.capabilities(), held, clockMs.getAsLong());
        dispatcher.trigger();
        return new Response.WorkerRegistered(r.workerId(), config.leaseTtlMs(), config.effectiveHeartbeatIntervalMs());
    }

    private CompletableFuture<Response> heartbeat(Request.Heartbeat h, Session session) {
        if (!h.workerId().equals(registry.workerOn(session))) {
            return CompletableFuture.completedFuture(notRegistered(h.workerId()));
        }
        Checks.requireRange("freeSlots", h.freeSlots(), 0, CoreLimits.MAX_TASKS_PER_LEASE);
        List<String> taskIds = h.leases().stream().map(LeaseRef::taskId).toList();
        Map<String, TaskRecord> inState = new LinkedHashMap<>();
        if (stateMachine.store() != null) {
            for (TaskRecord t :
                    stateMachine.core().leasesOf(stateMachine.store().view(), h.workerId())) {
                inState.put(t.id(), t);
            }
        }
        long interval = config.effectiveHeartbeatIntervalMs();
        WorkerRegistry.HeartbeatPlan plan = registry.heartbeat(
                h.workerId(),
                taskIds,
                inState.keySet(),
                h.freeSlots(),
                clockMs.getAsLong(),
                interval / 2,
                interval / 2);
        dispatcher.trigger();
        if (!plan.reoffer().isEmpty()) {
            reoffer(h.workerId(), session, plan.reoffer(), inState);
        }
        if (!plan.extend()) {
            return CompletableFuture.completedFuture(new Response.HeartbeatAck(List.of(), List.of()));
        }
        List<Command.LeaseRef> extend = new ArrayList<>(refs(h.leases()));
        for (String taskId : plan.reoffer()) {
            extend.add(new Command.LeaseRef(taskId, inState.get(taskId).lease().token()));
        }
        Command.ExtendLeases command = new Command.ExtendLeases(h.workerId(), extend, config.leaseTtlMs());
        return submit(command).thenApply(reply -> {
            if (reply instanceof Response.HeartbeatAck ack && !ack.stale().isEmpty()) {
                dispatcher.metrics().staleRefused("Heartbeat", ack.stale().size());
                registry.finished(
                        h.workerId(),
                        ack.stale().stream().map(StaleLease::taskId).toList());
                dispatcher.trigger();
            }
            return reply;
        });
    }

    /**
     * Offers again leases the worker holds in the replicated state but never listed: the first offer was lost. The
     * worker runs them, or releases them when it has no free slot; a duplicate of a lease it runs or just finished is
     * ignored by the worker.
     */
    private void reoffer(String workerId, Session session, List<String> taskIds, Map<String, TaskRecord> inState) {
        KvView view = stateMachine.store().view();
        List<LeaseGrant> grants = new ArrayList<>();
        for (String taskId : taskIds) {
            grants.add(LeaseReplies.grant(stateMachine.core().grantOf(view, inState.get(taskId))));
        }
        LOG.info(
                "worker {} never listed {} lease(s) granted to it; offering them again: {}",
                workerId,
                grants.size(),
                taskIds);
        session.push(new Response.LeaseOffer(grants));
    }

    private CompletableFuture<Response> release(Request.ReleaseLeases r, Session session) {
        if (!r.workerId().equals(registry.workerOn(session))) {
            return CompletableFuture.completedFuture(notRegistered(r.workerId()));
        }
        return submit(new Command.ReleaseLeases(r.workerId(), refs(r.leases()))).thenApply(reply -> {
            if (reply instanceof Response.LeasesReleased done) {
                dispatcher.metrics().staleRefused("ReleaseLeases", done.stale().size());
                List<String> gone = new ArrayList<>();
                done.released().stream().map(LeaseStatus::taskId).forEach(gone::add);
                done.stale().stream().map(StaleLease::taskId).forEach(gone::add);
                registry.released(r.workerId(), gone);
                // The tasks are pending again: another worker may have a slot for them.
                dispatcher.trigger();
            }
            return reply;
        });
    }

    private Command taskCommand(Request request, String worker, String tenant) {
        if (request instanceof Request.CompleteTask c) {
            return new Command.CompleteTask(worker, c.taskId(), c.token(), c.resultSha256(), c.resultSize(), tenant);
        } else if (request instanceof Request.FailTask f) {
            return new Command.FailTask(
                    worker,
                    f.taskId(),
                    f.token(),
                    f.error(),
                    f.retryable(),
                    config.retryBackoffBaseMs(),
                    config.retryBackoffCapMs());
        } else if (request instanceof Request.ReportProgress p) {
            return new Command.ReportProgress(worker, p.taskId(), p.token(), p.percent(), p.message());
        }
        throw new IllegalArgumentException(
                "not a worker request: " + request.getClass().getSimpleName());
    }

    private static String taskIdOf(Command command) {
        if (command instanceof Command.CompleteTask c) {
            return c.taskId();
        } else if (command instanceof Command.FailTask f) {
            return f.taskId();
        }
        return ((Command.ReportProgress) command).taskId();
    }

    /** The worker's lease on the task is over: the task moved on, or the token was not (any longer) the lease. */
    private static boolean endsLease(Response reply) {
        if (reply instanceof Response.TaskUpdated u) {
            return u.state() != TaskState.LEASED;
        }
        return reply instanceof Response.ErrorReply e
                && (e.code() == ErrorCode.STALE_LEASE || e.code() == ErrorCode.NOT_FOUND);
    }

    private CompletableFuture<Response> submit(Command command) {
        StateCore.validate(command, stateMachine.core().limits());
        return raft.submit(command);
    }

    private static List<Command.LeaseRef> refs(List<LeaseRef> leases) {
        return leases.stream()
                .map(l -> new Command.LeaseRef(l.taskId(), l.token()))
                .toList();
    }

    private static Response notRegistered(String workerId) {
        return new Response.ErrorReply(
                ErrorCode.NOT_FOUND,
                "worker '" + workerId + "' is not registered on this connection; send RegisterWorker first");
    }

    /**
     * The workers connected to this member. Leases come from the replicated state as applied here (a local read,
     * possibly a few entries behind the leader), not from the registry's belief, so that they match what {@code
     * corral status} shows for the tasks. Reads the store: call it off the event loop.
     */
    public Response.LocalWorkers localWorkers() {
        List<WorkerView> out = new ArrayList<>();
        for (WorkerRegistry.Entry e : registry.entries()) {
            List<String> leases = new ArrayList<>();
            if (stateMachine.store() != null) {
                for (TaskRecord t :
                        stateMachine.core().leasesOf(stateMachine.store().view(), e.workerId())) {
                    leases.add(t.id());
                }
            }
            out.add(new WorkerView(
                    e.workerId(),
                    raft.selfId(),
                    e.slots(),
                    e.freeSlots(),
                    leases.size(),
                    leases,
                    e.capabilities(),
                    e.registeredAtMs(),
                    e.lastHeartbeatMs(),
                    e.slots() == 0));
        }
        return new Response.LocalWorkers(raft.selfId(), out);
    }

    /** What dispatch and the worker protocol measure on this member. */
    /** The worker id {@code session} registered as, or null. */
    public String workerOn(Session session) {
        return registry.workerOn(session);
    }

    public DispatchMetrics metrics() {
        return dispatcher.metrics();
    }

    /** The workers connected to this member, in sum. */
    public WorkerRegistry.Totals totals() {
        return registry.totals();
    }

    /** Proposes a submission with grants for the idle workers connected here riding in its entry. */
    public CompletableFuture<Response> submit(Command.SubmitJob job) {
        return dispatcher.submit(job);
    }

    /** The session closed: forget the worker here. Its leases live on until the leader expires them. */
    public void onClose(Session session) {
        registry.remove(session);
    }

    /**
     * Called on the apply thread for every applied entry: pushes revocations to workers connected here, and triggers
     * dispatch when the entry may have made tasks leasable. Must not block.
     */
    public void onApplied(Command command, List<Event> events) {
        Boolean leader = null;
        for (Event e : events) {
            if (e instanceof Event.TaskLeased l && l.readyAtMs() > 0) {
                leader = leader != null ? leader : dispatcher.leaderNow();
                if (leader) {
                    dispatcher.metrics().waited(l.readyAtMs(), l.grantedAtMs());
                }
            } else if (e instanceof Event.LeaseRevoked r) {
                Session session = registry.session(r.workerId());
                if (session != null) {
                    session.push(new Response.LeaseRevoked(r.taskId(), r.token()));
                    registry.finished(r.workerId(), List.of(r.taskId()));
                    dispatcher.trigger();
                }
            }
        }
        if (command instanceof Command.SubmitJob
                || command instanceof Command.SubmitAndLease
                || command instanceof Command.RetryTasks
                || command instanceof Command.ExpireLease
                || command instanceof Command.FailTask
                || command instanceof Command.ReleaseLeases) {
            dispatcher.trigger();
        }
    }
}
