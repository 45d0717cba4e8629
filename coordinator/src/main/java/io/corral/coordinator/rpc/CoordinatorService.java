package io.corral.coordinator.rpc;

import io.corral.auth.Role;
import io.corral.coordinator.auth.CoordinatorSecurity;
import io.corral.coordinator.locks.LockWaits;
import io.corral.coordinator.raft.CorralStateMachine;
import io.corral.coordinator.raft.RaftNode;
import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Checks;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.Event;
import io.corral.coordinator.state.InvalidCommandException;
import io.corral.coordinator.state.StateCore;
import io.corral.coordinator.state.TestFault;
import io.corral.coordinator.state.blobs.Blobs;
import io.corral.coordinator.workers.WorkerService;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.transport.RpcHandler;
import io.corral.protocol.transport.Session;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the client protocol on every coordinator. Writes become commands committed through Raft (the node's Raft
 * client reaches the leader wherever it is); reads are answered by this node, linearizably unless the client asked for
 * a stale read. Commands are validated here first so that bad input is refused before it costs a log entry; the state
 * machine validates again because the log must never be trusted to hold only good commands.
 */
public final class CoordinatorService implements RpcHandler {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorService.class);
    /** Extra time after a lock wait's deadline before this node gives up on the leader's housekeeping. */
    static final long LOCK_WAIT_SLACK_MS = 1000;

    private final RaftNode raft;
    private final CoreLimits limits;
    private final LockWaits lockWaits;
    private final CheckpointService checkpoints;
    private final ClusterStatusCollector clusterStatus;
    private final WorkerListCollector workerList;
    private final Executor blocking;
    private final RpcMetrics metrics;
    private final WorkerService workers;
    private final CorralStateMachine stateMachine;
    private final MembershipService membership;

    public CoordinatorService(
            RaftNode raft,
            CoreLimits limits,
            LockWaits lockWaits,
            CheckpointService checkpoints,
            ClusterStatusCollector clusterStatus,
            WorkerListCollector workerList,
            Executor blocking,
            RpcMetrics metrics,
            WorkerService workers,
            CorralStateMachine stateMachine,
            MembershipService membership) {
        this.raft = raft;
        this.limits = limits;
        this.lockWaits = lockWaits;
        this.checkpoints = checkpoints;
        this.clusterStatus = clusterStatus;
        this.workerList = workerList;
        this.blocking = blocking;
        this.metrics = metrics;
        this.workers = workers;
        this.stateMachine = stateMachine;
        this.membership = membership;
    }

    /**
     * What a member whose Raft member is not running still answers: how it and the cluster are doing (its own status
     * says why it is not running). Not the membership: its view of the configuration and the commit index is frozen.
     */
    static final Set<Class<? extends Request>> STATUS_REQUESTS = Set.of(
            Request.GetClusterStatus.class,
            Request.GetNodeStatus.class,
            Request.GetSecurity.class,
            Request.ListWorkers.class,
            Request.GetLocalWorkers.class);

    /** How long a refused connection stays open after its answer, so that the answer is written before the close. */
    static final long REFUSED_CLOSE_DELAY_MS = 200;

    @Override
    public CompletableFuture<Response> handle(Request request, Session session) {
        long startNanos = System.nanoTime();
        CompletableFuture<Response> reply;
        try {
            if (!raft.running() && !STATUS_REQUESTS.contains(request.getClass())) {
                reply = sendAway(session);
            } else if (WorkerService.isWorkerRequest(request)) {
                reply = workers.handle(request, session);
            } else if (MembershipService.handles(request)) {
                reply = membership.handle(request, session);
            } else {
                reply = dispatch(request, session);
            }
        } catch (InvalidCommandException e) {
            reply = CompletableFuture.completedFuture(new Response.ErrorReply(e.code(), e.getMessage()));
        }
        return reply.whenComplete((r, e) -> metrics.observe(request, r, System.nanoTime() - startNanos));
    }

    /**
     * A member whose Raft member is not running (it failed, or it was removed from the configuration) can neither
     * commit nor read linearizably; clients keep the connection they have, so it is closed after the answer, and the
     * client library moves to another coordinator.
     */
    private CompletableFuture<Response> sendAway(Session session) {
        CompletableFuture.delayedExecutor(REFUSED_CLOSE_DELAY_MS, TimeUnit.MILLISECONDS)
                .execute(session::close);
        return CompletableFuture.completedFuture(new Response.ErrorReply(
                ErrorCode.UNAVAILABLE,
                "coordinator " + raft.selfId() + " is not a running member of the cluster ("
                        + raft.status().error() + "); try another coordinator"));
    }

    private CompletableFuture<Response> dispatch(Request request, Session session) {
        Caller caller = Requests.caller(session);
        if (Requests.isRead(request)) {
            return raft.read(request, caller, Requests.isStale(request));
        }
        if (request instanceof Request.AcquireLock a) {
            return acquire(a, caller);
        }
        if (request instanceof Request.ReadBlobChunk r) {
            String worker = workers.workerOn(session);
            if (caller.role() == Role.WORKER && worker == null) {
                // A worker reads the inputs of the leases it holds, known by the worker its connection registered as.
                // Retryable, as for the lease commands: a worker on a new connection registers again first.
                return done(new Response.ErrorReply(
                        ErrorCode.UNAVAILABLE,
                        "no worker is registered on this connection (yet); send RegisterWorker first"));
            }
            return readBlobChunk(r, caller.asWorker(worker));
        }
        Command command = Requests.toCommand(request, caller);
        if (command instanceof Command.PutChunk p && p.tenant() != null && p.data() != null) {
            StateCore.validate(p, limits); // refused here, at once, like every other write
            // Off the event loop: the proof check reads the store, and a proof hashes up to a megabyte.
            return CompletableFuture.supplyAsync(() -> proofOfPossession(p), blocking)
                    .thenCompose(this::submit);
        }
        if (command != null) {
            return submit(command);
        }
        if (request instanceof Request.OpenBackup) {
            return openBackup(session);
        }
        return admin(request, session);
    }

    @Override
    public void onClose(Session session) {
        workers.onClose(session);
        try {
            blocking.execute(() -> {
                try {
                    checkpoints.sessionClosed(session.id());
                } catch (IOException e) {
                    LOG.warn("cannot delete the backup checkpoints of a closed connection: {}", e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            // Shutting down: the next start deletes every outgoing checkpoint.
        }
    }

    /**
     * A backup's checkpoint, taken after a linearizable read of nothing: once the read completes, this member has
     * applied every entry the leader had committed when the request arrived, so the checkpoint holds every write
     * acknowledged before the backup started.
     */
    private CompletableFuture<Response> openBackup(Session session) {
        return raft.read(new Request.OpenBackup(), false).thenCompose(barrier -> {
            if (barrier instanceof Response.ErrorReply) {
                return done(barrier);
            }
            return blockingCall(
                    () -> checkpoints.openForBackup(session, raft.config().clusterName(), raft.selfId()));
        });
    }

    /**
     * A chunk of a sealed image, from this member's store when it has the image (blobs are immutable, so any sealed
     * copy is the right one); otherwise through a linearizable read, which waits until this member has caught up.
     */
    private CompletableFuture<Response> readBlobChunk(Request.ReadBlobChunk r, Caller caller) {
        Checks.requireSha256("sha256", r.sha256());
        return CompletableFuture.supplyAsync(() -> stateMachine.readBlobChunk(r, caller), blocking)
                .thenCompose(local -> local instanceof Response.ErrorReply ? raft.read(r, caller, false) : done(local));
    }

    /**
     * A chunk of an image this member holds, from a tenant that may not use it yet, carries the SHA-256 of its bytes:
     * apply counts it towards the tenant's proof that it has the whole image ({@code BlobGrants}). Hashed here, by the
     * coordinator that received the bytes, only when needed: other chunks cost nothing more. On a blocking thread.
     */
    private Command.PutChunk proofOfPossession(Command.PutChunk p) {
        if (p.tenant() == null || p.data() == null || !stateMachine.needsProof(p.tenant(), p.sha256())) {
            return p;
        }
        return p.withChunkSha256(Blobs.sha256Hex(p.data()));
    }

    private static CompletableFuture<Response> done(Response r) {
        return CompletableFuture.completedFuture(r);
    }

    private CompletableFuture<Response> submit(Command command) {
        StateCore.validate(command, limits);
        if (command instanceof Command.SubmitJob
                && stateMachine.core().faults().contains(TestFault.ACK_BEFORE_COMMIT)) {
            // Deliberately wrong (test fault): acknowledged at once, with a guessed id, before anything is committed.
            raft.submit(command);
            return CompletableFuture.completedFuture(new Response.JobSubmitted(
                    "job-" + (stateMachine.getLastAppliedTermIndex().getIndex() + 1), true));
        }
        if (command instanceof Command.SubmitJob s) {
            return workers.submit(s);
        }
        return raft.submit(command);
    }

    private CompletableFuture<Response> admin(Request request, Session session) {
        if (request instanceof Request.GetNodeStatus) {
            return CompletableFuture.completedFuture(new Response.NodeStatus(raft.status()));
        }
        if (request instanceof Request.GetSecurity) {
            return CompletableFuture.completedFuture(CoordinatorSecurity.describe(raft.config()));
        }
        if (request instanceof Request.GetClusterStatus) {
            return clusterStatus.collect();
        }
        if (request instanceof Request.ListWorkers) {
            return workerList.collect();
        }
        if (request instanceof Request.GetLocalWorkers) {
            return blockingCall(workers::localWorkers);
        }
        if (request instanceof Request.TakeSnapshot) {
            return blockingCall(() -> new Response.SnapshotTaken(raft.takeSnapshot()));
        }
        if (request instanceof Request.TransferLeader t) {
            if (t.targetId() == null || !membership.members().current().isVoter(t.targetId())) {
                return CompletableFuture.completedFuture(new Response.ErrorReply(
                        ErrorCode.NOT_FOUND, "no voting member '" + t.targetId() + "'; voters are " + memberIds()));
            }
            return blockingCall(() -> {
                raft.transferLeadership(t.targetId());
                return new Response.LeaderTransferred(t.targetId());
            });
        }
        if (request instanceof Request.OpenCheckpoint) {
            return blockingCall(checkpoints::open);
        }
        if (request instanceof Request.ReadCheckpoint r && (r.offset() < 0 || r.maxBytes() < 1)) {
            return CompletableFuture.completedFuture(
                    new Response.ErrorReply(ErrorCode.BAD_REQUEST, "offset must be >= 0 and maxBytes >= 1"));
        }
        if (request instanceof Request.ReadCheckpoint r) {
            return blockingCall(() -> checkpoints.read(r, session.id()));
        }
        if (request instanceof Request.CloseCheckpoint c) {
            return blockingCall(() -> checkpoints.close(c.checkpointId()));
        }
        return CompletableFuture.completedFuture(new Response.ErrorReply(
                ErrorCode.BAD_REQUEST, request.getClass().getSimpleName() + " is not served by a coordinator"));
    }

    /**
     * A waiting acquire is queued by the state machine; this node then waits for the committed grant. If the leader
     * has not ended the wait shortly after its deadline (no leader at the time), this node asks to end it: the state
     * machine answers with the grant if one happened meanwhile, so a lock is never granted to a client that left.
     */
    private CompletableFuture<Response> acquire(Request.AcquireLock a, Caller caller) {
        return submit(Requests.acquire(a, caller)).thenCompose(reply -> {
            if (!(reply instanceof Response.LockQueued q)) {
                return CompletableFuture.completedFuture(reply);
            }
            return lockWaits
                    .await(q.waiterId())
                    .orTimeout(a.waitMs() + LOCK_WAIT_SLACK_MS, TimeUnit.MILLISECONDS)
                    .handle((event, timeout) -> event)
                    .thenCompose(event -> waitOutcome(q, event));
        });
    }

    private CompletableFuture<Response> waitOutcome(Response.LockQueued q, Event event) {
        if (event instanceof Event.LockGranted g) {
            return CompletableFuture.completedFuture(
                    new Response.LockGranted(g.name(), g.owner(), g.token(), g.expiresAtMs()));
        }
        lockWaits.forget(q.waiterId());
        if (event instanceof Event.LockWaitEnded) {
            return CompletableFuture.completedFuture(new Response.ErrorReply(
                    ErrorCode.LOCK_HELD, "lock '" + q.name() + "' is still held after the wait"));
        }
        return raft.submit(new Command.CancelLockWait(q.name(), q.waiterId()));
    }

    private java.util.List<String> memberIds() {
        return membership.members().current().voterIds();
    }

    private interface BlockingCall {
        Response call() throws Exception;
    }

    private CompletableFuture<Response> blockingCall(BlockingCall call) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return call.call();
                    } catch (Exception e) {
                        return (Response)
                                new Response.ErrorReply(ErrorCode.UNAVAILABLE, String.valueOf(e.getMessage()));
                    }
                },
                blocking);
    }
}
