package io.corral.coordinator.state;

import io.corral.coordinator.state.blobs.BlobCorruptException;
import io.corral.coordinator.state.blobs.BlobGarbage;
import io.corral.coordinator.state.blobs.BlobGrants;
import io.corral.coordinator.state.blobs.BlobReader;
import io.corral.coordinator.state.blobs.BlobRecord;
import io.corral.coordinator.state.blobs.Blobs;
import io.corral.coordinator.state.jobs.JobGarbage;
import io.corral.coordinator.state.jobs.JobQueries;
import io.corral.coordinator.state.jobs.JobRules;
import io.corral.coordinator.state.jobs.Jobs;
import io.corral.coordinator.state.jobs.TaskRecord;
import io.corral.coordinator.state.kv.EntryTxn;
import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.leases.LeaseQueries;
import io.corral.coordinator.state.leases.LeaseRules;
import io.corral.coordinator.state.leases.Leases;
import io.corral.coordinator.state.leases.TaskDetail;
import io.corral.coordinator.state.locks.LockQueries;
import io.corral.coordinator.state.locks.LockRules;
import io.corral.coordinator.state.locks.Locks;
import io.corral.protocol.AttemptOutcome;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.JobState;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The replicated state machine, free of I/O: a command and the current state in, a reply, events and writes out. It
 * holds no state of its own (everything lives in the key spaces it is handed), reads no clock (time is the leader's,
 * in the {@link Entry}) and no randomness, so every replica that applies the same log computes the same state.
 *
 * <p>Bad input is answered with an {@link Response.ErrorReply} and writes nothing (two documented exceptions: a seal
 * whose bytes do not match discards the upload; a waiter giving up leaves the queue). A broken invariant is a bug and
 * throws, so the adapter stops instead of replicating damage.
 */
public final class StateCore {
    private final CoreLimits limits;
    private final Set<TestFault> faults;

    public StateCore(CoreLimits limits) {
        this(limits, Set.of());
    }

    /** With deliberate bugs switched on, for the fault-injection harness's proofs only. */
    public StateCore(CoreLimits limits, Set<TestFault> faults) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.faults = Set.copyOf(faults);
    }

    public Set<TestFault> faults() {
        return faults;
    }

    public CoreLimits limits() {
        return limits;
    }

    /**
     * Applies one committed entry.
     *
     * @param index the entry's Raft index (positive): job ids, lock tokens and waiter ids are made from it
     * @param txn the entry's writes; the caller commits them atomically with the applied index
     */
    public Applied apply(long index, Entry entry, KvTxn txn) {
        return apply(index, 0, entry, txn);
    }

    /**
     * {@link #apply(long, Entry, KvTxn)} of an entry of Raft term {@code term}: the first entry of a new term is
     * recorded as its start ({@link TermStart}), which lock expiry measures holds of earlier leaders from. A term of 0
     * (unknown) records nothing.
     */
    public Applied apply(long index, long term, Entry entry, KvTxn txn) {
        // The entry's writes reach the store once per key when it ends: the commands of a batch share counters,
        // blob records and sequences, which would otherwise be read from and written to the store once per command.
        EntryTxn entryTxn = new EntryTxn(txn);
        if (index >= 1 && entry != null) {
            // Not counted as a write of the command: a refused command still starts its term.
            TermStart.advance(entryTxn, term, index, entry.nowMs());
        }
        Applied applied = applyEntry(index, entry, entryTxn);
        entryTxn.flush();
        return applied;
    }

    private Applied applyEntry(long index, Entry entry, KvTxn txn) {
        if (index < 1 || entry == null || entry.nowMs() < 0) {
            throw new IllegalArgumentException("bad entry at index " + index + ": " + entry);
        }
        if (entry.command() instanceof Command.Batch batch) {
            return applyBatch(index, entry.nowMs(), batch, txn);
        }
        return applyCommand(index, entry.nowMs(), entry.command(), txn);
    }

    /**
     * Each command of the batch in order, as if each had an entry of its own at this index and time; a batch that
     * breaks the batch rules ({@link #validateBatch}) refuses every one of its commands and changes nothing.
     */
    private Applied applyBatch(long index, long nowMs, Command.Batch batch, KvTxn txn) {
        List<Command> commands = batch.commands() == null ? List.of() : batch.commands();
        Response refusal = null;
        try {
            validateBatchShape(batch);
        } catch (InvalidCommandException e) {
            refusal = new Response.ErrorReply(e.code(), e.getMessage());
        }
        List<Applied> parts = new ArrayList<>(commands.size());
        for (Command command : commands) {
            parts.add(refusal != null ? Applied.of(refusal) : applyCommand(index, nowMs, command, txn));
        }
        return Applied.batch(parts);
    }

    private Applied applyCommand(long index, long nowMs, Command command, KvTxn txn) {
        WriteCountingTxn counted = new WriteCountingTxn(txn);
        Applied applied;
        try {
            validate(command, limits);
            applied = dispatch(index, nowMs, command, counted);
        } catch (InvalidCommandException e) {
            applied = Applied.of(new Response.ErrorReply(e.code(), e.getMessage()));
        }
        if (applied.reply() instanceof Response.ErrorReply error
                && counted.writes() > 0
                && !errorMayWrite(command, error.code())) {
            throw new IllegalStateException(command.getClass().getSimpleName() + " answered " + error + " after "
                    + counted.writes() + " writes; a refused command must write nothing");
        }
        return applied;
    }

    /** The replies with an error code that may come with state changes rather than refusals (see the handlers). */
    private static boolean errorMayWrite(Command command, ErrorCode code) {
        return (command instanceof Command.SealBlob && code == ErrorCode.HASH_MISMATCH)
                || (command instanceof Command.CancelLockWait && code == ErrorCode.LOCK_HELD)
                // The acquire ended a lapsed hold and handed the lock to a waiter before it was refused.
                || (command instanceof Command.AcquireLock && code == ErrorCode.LOCK_HELD);
    }

    // Java 17 has no pattern matching for switch outside preview; CommandGoldenTest applies a sample of every
    // permitted subtype, so a new command without a branch here fails the build.
    private Applied dispatch(long index, long nowMs, Command command, KvTxn txn) {
        if (command instanceof Command.SubmitJob c) {
            return Jobs.submit(index, nowMs, c, JobRules.validate(c, limits), txn);
        } else if (command instanceof Command.SubmitAndLease c) {
            return submitAndLease(index, nowMs, c, txn);
        } else if (command instanceof Command.CancelJob c) {
            return Jobs.cancel(nowMs, c, txn);
        } else if (command instanceof Command.AcquireLock c) {
            return new Locks(index, nowMs, txn, limits, faults.contains(TestFault.GRANT_HELD_LOCKS)).acquire(c);
        } else if (command instanceof Command.ReleaseLock c) {
            return new Locks(index, nowMs, txn, limits, faults.contains(TestFault.GRANT_HELD_LOCKS)).release(c);
        } else if (command instanceof Command.RenewLock c) {
            return new Locks(index, nowMs, txn, limits, faults.contains(TestFault.GRANT_HELD_LOCKS)).renew(c);
        } else if (command instanceof Command.ExpireLock c) {
            return new Locks(index, nowMs, txn, limits, faults.contains(TestFault.GRANT_HELD_LOCKS)).expire(c);
        } else if (command instanceof Command.CancelLockWait c) {
            return new Locks(index, nowMs, txn, limits, faults.contains(TestFault.GRANT_HELD_LOCKS)).cancelWait(c);
        } else if (command instanceof Command.PutChunk c) {
            return Blobs.putChunk(nowMs, c, txn);
        } else if (command instanceof Command.SealBlob c) {
            return Blobs.seal(nowMs, c, txn);
        } else if (command instanceof Command.CollectGarbage c) {
            return collectGarbage(nowMs, c, txn);
        } else if (command instanceof Command.Probe) {
            return Applied.of(new Response.Ack());
        }
        return dispatchLease(index, nowMs, command, txn);
    }

    /**
     * The submission, then each grant in order, all with this entry's index and time. The reply is the submission's;
     * the result holds every grant, each naming its worker.
     */
    private Applied submitAndLease(long index, long nowMs, Command.SubmitAndLease c, KvTxn txn) {
        Applied submitted = Jobs.submit(index, nowMs, c.job(), JobRules.validate(c.job(), limits), txn);
        if (submitted.reply() instanceof Response.ErrorReply) {
            return submitted;
        }
        Leases leases = new Leases(index, nowMs, txn, faults.contains(TestFault.ACCEPT_STALE_TOKENS));
        Map<String, List<LeaseResult.Grant>> grants = new java.util.LinkedHashMap<>();
        List<Event> events = new ArrayList<>(submitted.events());
        for (Command.LeaseTasks lease : c.leases()) {
            Applied a = leases.lease(lease);
            events.addAll(a.events());
            grants.put(lease.workerId(), ((LeaseResult.Granted) a.result()).grants());
        }
        return new Applied(submitted.reply(), events, new LeaseResult.SubmittedAndGranted(grants));
    }

    private Applied dispatchLease(long index, long nowMs, Command command, KvTxn txn) {
        Leases leases = new Leases(index, nowMs, txn, faults.contains(TestFault.ACCEPT_STALE_TOKENS));
        if (command instanceof Command.LeaseTasks c) {
            return leases.lease(c);
        } else if (command instanceof Command.ExtendLeases c) {
            return leases.extend(c);
        } else if (command instanceof Command.ReleaseLeases c) {
            return leases.release(c);
        } else if (command instanceof Command.CompleteTask c) {
            return leases.complete(c);
        } else if (command instanceof Command.FailTask c) {
            return leases.fail(c);
        } else if (command instanceof Command.ReportProgress c) {
            return leases.progress(c);
        } else if (command instanceof Command.ExpireLease c) {
            return leases.expire(c);
        } else if (command instanceof Command.ExtendAllLeases c) {
            return leases.extendAll(c);
        } else if (command instanceof Command.RetryTasks c) {
            return leases.retry(c);
        }
        throw new IllegalStateException("no handler for " + command.getClass().getName());
    }

    /**
     * Checks everything about a command that does not depend on the state: the RPC edge calls it before a command
     * enters the log, and apply calls it again (the log may hold entries from an older leader).
     *
     * @throws InvalidCommandException naming the first rule the command breaks
     */
    public static void validate(Command command, CoreLimits limits) {
        if (command == null) {
            throw Checks.bad("missing command");
        } else if (command instanceof Command.SubmitJob c) {
            JobRules.validate(c, limits);
        } else if (command instanceof Command.SubmitAndLease c) {
            if (c.job() == null) {
                throw Checks.bad("job: a SubmitAndLease needs its submission");
            }
            JobRules.validate(c.job(), limits);
            LeaseRules.validate(c.leases());
        } else if (command instanceof Command.CancelJob c) {
            JobRules.validate(c);
        } else if (command instanceof Command.AcquireLock c) {
            LockRules.validate(c);
        } else if (command instanceof Command.ReleaseLock c) {
            LockRules.validate(c.name(), c.token());
        } else if (command instanceof Command.RenewLock c) {
            LockRules.validate(c.name(), c.token());
        } else if (command instanceof Command.ExpireLock c) {
            LockRules.validate(c.name(), c.token());
        } else if (command instanceof Command.CancelLockWait c) {
            LockRules.validate(c.name(), c.waiterId());
        } else if (command instanceof Command.PutChunk c) {
            Blobs.validate(c, limits);
        } else if (command instanceof Command.SealBlob c) {
            Blobs.validate(c, limits);
        } else if (command instanceof Command.CollectGarbage c) {
            validateGarbage(c, limits);
        } else if (command instanceof Command.Probe c) {
            Checks.requireText("memberId", c.memberId(), Limits.MAX_NAME_CHARS);
        } else if (command instanceof Command.Batch c) {
            validateBatch(c, limits);
        } else {
            validateLease(command);
        }
    }

    /** A batch's shape ({@link #validateBatchShape}) and each of its commands. */
    private static void validateBatch(Command.Batch batch, CoreLimits limits) {
        validateBatchShape(batch);
        for (Command command : batch.commands()) {
            validate(command, limits);
        }
    }

    /**
     * 1 to {@link CoreLimits#MAX_COMMANDS_PER_BATCH} commands, each one that may share an entry ({@link
     * Command.Batch#batchable}). A command of a batch that breaks its own rules is refused alone when it is applied.
     */
    private static void validateBatchShape(Command.Batch batch) {
        List<Command> commands = batch.commands();
        if (commands == null || commands.isEmpty()) {
            throw Checks.bad("commands: a batch holds at least one command");
        }
        if (commands.size() > CoreLimits.MAX_COMMANDS_PER_BATCH) {
            throw Checks.bad("commands: a batch holds at most " + CoreLimits.MAX_COMMANDS_PER_BATCH + " commands, not "
                    + commands.size());
        }
        for (int i = 0; i < commands.size(); i++) {
            Command command = commands.get(i);
            if (!Command.Batch.batchable(command)) {
                throw Checks.bad("commands[" + i + "]: "
                        + (command == null
                                ? "missing command"
                                : command.getClass().getSimpleName())
                        + " cannot share an entry with other commands");
            }
        }
    }

    private static void validateLease(Command command) {
        if (command instanceof Command.LeaseTasks c) {
            LeaseRules.validate(c);
        } else if (command instanceof Command.ExtendLeases c) {
            LeaseRules.validate(c);
        } else if (command instanceof Command.ReleaseLeases c) {
            LeaseRules.validate(c);
        } else if (command instanceof Command.CompleteTask c) {
            LeaseRules.validate(c);
        } else if (command instanceof Command.FailTask c) {
            LeaseRules.validate(c);
        } else if (command instanceof Command.ReportProgress c) {
            LeaseRules.validate(c);
        } else if (command instanceof Command.ExpireLease c) {
            LeaseRules.validate(c);
        } else if (command instanceof Command.ExtendAllLeases c) {
            LeaseRules.validate(c);
        } else if (command instanceof Command.RetryTasks c) {
            LeaseRules.validate(c);
        }
    }

    private static void validateGarbage(Command.CollectGarbage c, CoreLimits limits) {
        Checks.requireRange("jobRetentionMs", c.jobRetentionMs(), 0, Long.MAX_VALUE);
        Checks.requireRange("blobRetentionMs", c.blobRetentionMs(), 0, Long.MAX_VALUE);
        Checks.requireRange("uploadRetentionMs", c.uploadRetentionMs(), 0, Long.MAX_VALUE);
        Checks.requireRange("maxItems", c.maxItems(), 1, limits.maxGarbageItemsPerEntry());
    }

    /** Jobs first: blobs they release start their retention now, so they are never deleted in the same entry. */
    private static Applied collectGarbage(long nowMs, Command.CollectGarbage c, KvTxn txn) {
        JobGarbage.collect(txn, nowMs, c.jobRetentionMs(), c.maxItems());
        BlobGarbage.collectUnreferenced(txn, nowMs, c.blobRetentionMs(), c.maxItems());
        BlobGarbage.collectUploads(txn, nowMs, c.uploadRetentionMs(), c.maxItems());
        return Applied.of(new Response.Ack());
    }

    /**
     * Whether {@code caller} may download image {@code sha256}: an image its tenant uploaded or one of its jobs
     * produced ({@link BlobGrants}), or, for a worker, the input of a task it holds the lease on.
     */
    public boolean mayRead(KvView view, Caller caller, String sha256) {
        return BlobGrants.mayUse(view, caller, sha256)
                || (caller.worker() != null && LeaseQueries.holdsInput(view, caller.worker(), sha256));
    }

    /** {@link #query(Request, Caller, KvView)} for the system: sees everything (tests, authentication off). */
    public Response query(Request request, KvView view) {
        return query(request, Caller.SYSTEM, view);
    }

    /**
     * Answers a read-only request from {@code view}: GetJob, GetTask, ListJobs, GetLock, ListLocks, HasBlob, as {@code
     * caller} may see it (its own jobs, the tokens of its own locks). Other requests are not reads of this state and
     * get BAD_REQUEST.
     */
    public Response query(Request request, Caller caller, KvView view) {
        try {
            if (request instanceof Request.GetJob q) {
                Checks.requireText("jobId", q.jobId(), Limits.MAX_NAME_CHARS);
                return JobQueries.get(view, q.jobId(), caller);
            } else if (request instanceof Request.GetTask q) {
                Checks.requireText("taskId", q.taskId(), Limits.MAX_NAME_CHARS);
                return LeaseQueries.describe(view, q.taskId(), caller);
            } else if (request instanceof Request.ListJobs q) {
                return JobQueries.list(view, q.state(), q.limit(), q.before(), caller);
            } else if (request instanceof Request.GetLock q) {
                LockRules.validateName(q.name());
                return LockQueries.get(view, q.name(), caller);
            } else if (request instanceof Request.ListLocks) {
                return LockQueries.list(view, caller);
            } else if (request instanceof Request.HasBlob q) {
                Checks.requireSha256("sha256", q.sha256());
                // An image the caller may not use is one it must upload: the answer does not say another has it.
                BlobRecord blob = BlobGrants.mayUse(view, caller, q.sha256()) ? Blobs.sealed(view, q.sha256()) : null;
                return new Response.BlobStatus(q.sha256(), blob != null, blob == null ? 0 : blob.size());
            }
        } catch (InvalidCommandException e) {
            return new Response.ErrorReply(e.code(), e.getMessage());
        }
        String type = request == null ? "nothing" : request.getClass().getSimpleName();
        return new Response.ErrorReply(ErrorCode.BAD_REQUEST, type + " is not a read of the replicated state");
    }

    /**
     * Lock decisions due at {@code nowMs}, for the leader to commit: {@link Command.ExpireLock} for holds whose TTL
     * lapsed, then {@link Command.CancelLockWait} for waiters past their deadline; at most {@code max}.
     */
    public List<Command> dueLockCommands(long nowMs, KvView view, int max) {
        return LockQueries.due(view, nowMs, max);
    }

    /**
     * Lease expiries due at {@code nowMs}, soonest first, at most {@code max}, for the leader to commit. The backoff
     * settings (the leader's configuration) travel in each {@link Command.ExpireLease}.
     */
    public List<Command> dueLeaseCommands(long nowMs, KvView view, int max, long backoffBaseMs, long backoffCapMs) {
        return LeaseQueries.due(view, nowMs, max, backoffBaseMs, backoffCapMs);
    }

    /** When the soonest retry backoff ends, so the leader knows when to dispatch again; -1 when none runs. */
    public long nextBackoffEndMs(KvView view) {
        return LeaseQueries.nextBackoffEndMs(view);
    }

    /** The tasks a worker holds leases on (after a reconnect or failover the leader re-learns them here). */
    public List<TaskRecord> leasesOf(KvView view, String workerId) {
        return LeaseQueries.leasesOf(view, workerId);
    }

    /** The grant of a task leased in this state, to offer it again to its worker. */
    public LeaseResult.Grant grantOf(KvView view, TaskRecord task) {
        return LeaseQueries.grantOf(view, task);
    }

    /** One task with its lease, progress, result and attempt history; null when there is no such task. */
    public TaskDetail taskDetail(KvView view, String taskId) {
        return LeaseQueries.taskDetail(view, taskId);
    }

    /** Whether {@code settings} would collect anything at {@code nowMs}: reads the first key of three indexes. */
    public boolean hasGarbage(long nowMs, KvView view, Command.CollectGarbage settings) {
        return JobGarbage.hasGarbage(view, nowMs, settings.jobRetentionMs())
                || BlobGarbage.hasGarbage(view, nowMs, settings.blobRetentionMs(), settings.uploadRetentionMs());
    }

    /** The gauges kept in META: a fixed number of point reads. */
    public Counters counters(KvView view) {
        Map<TaskState, Long> tasks = new EnumMap<>(TaskState.class);
        for (TaskState s : TaskState.values()) {
            tasks.put(s, MetaCounters.get(view, MetaCounters.tasks(s)));
        }
        Map<JobState, Long> jobs = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            jobs.put(s, MetaCounters.get(view, MetaCounters.jobs(s)));
        }
        return new Counters(
                tasks,
                jobs,
                MetaCounters.get(view, MetaCounters.LOCKS_HELD),
                MetaCounters.get(view, MetaCounters.LOCK_WAITERS),
                MetaCounters.get(view, MetaCounters.BLOBS_STORED),
                MetaCounters.get(view, MetaCounters.BLOB_BYTES_STORED),
                MetaCounters.get(view, MetaCounters.LEASES_GRANTED),
                MetaCounters.get(view, MetaCounters.LEASES_EXPIRED),
                MetaCounters.get(view, MetaCounters.TASKS_DEAD_LETTERED),
                attemptsEnded(view));
    }

    private static Map<AttemptOutcome, Long> attemptsEnded(KvView view) {
        Map<AttemptOutcome, Long> ended = new EnumMap<>(AttemptOutcome.class);
        for (AttemptOutcome o : AttemptOutcome.values()) {
            ended.put(o, MetaCounters.get(view, MetaCounters.attemptsEnded(o)));
        }
        return ended;
    }

    /**
     * A sealed blob's bytes, verified against its address; null when no sealed blob has this address.
     *
     * @throws BlobCorruptException when the stored bytes are incomplete or do not hash to {@code sha256}
     */
    public byte[] readBlob(KvView view, String sha256) {
        return BlobReader.read(view, sha256);
    }

    /** One chunk of a sealed blob (unverified: the hash covers the whole blob), or null when there is none. */
    public byte[] readChunk(KvView view, String sha256, int index) {
        return BlobReader.readChunk(view, sha256, index);
    }

    /**
     * A chunk as stored, sealed or still uploading, unverified; null when absent. For re-sending the data of a
     * PutChunk log entry whose staged copy is gone (the upload may not be sealed yet); downloads use {@link
     * #readChunk}.
     */
    public byte[] readStoredChunk(KvView view, String sha256, int index) {
        return BlobReader.readStoredChunk(view, sha256, index);
    }
}
