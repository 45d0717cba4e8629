package io.corral.coordinator.raft;

import io.corral.coordinator.state.Applied;
import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreLimits;
import io.corral.coordinator.state.Entry;
import io.corral.coordinator.state.Event;
import io.corral.coordinator.state.StateCore;
import io.corral.coordinator.state.blobs.BlobGrants;
import io.corral.coordinator.state.blobs.BlobRecord;
import io.corral.coordinator.state.blobs.Blobs;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.requests.AppliedRequests;
import io.corral.coordinator.store.AppliedMark;
import io.corral.coordinator.store.RocksStore;
import io.corral.coordinator.store.StoreFiles;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis adapter around the pure {@link StateCore}.
 *
 * <ul>
 *   <li>The live RocksDB lives outside Ratis' directories. Each applied entry is one WriteBatch that includes the
 *       entry's term and index, and {@link #getLatestSnapshot()} returns that mark (as Apache Ozone's OM does), so a
 *       restart replays only the unapplied tail.
 *   <li>The leader stamps each command with its clock in {@link #startTransaction}; apply never reads a clock.
 *   <li>Chunk bytes are state-machine data: persisted (fsynced) by {@link #write}, served to lagging followers by
 *       {@link #read}, never inside the log segments.
 *   <li>{@link #takeSnapshot()} flushes RocksDB and writes a checkpoint (hard links). A follower the leader's log no
 *       longer reaches is told to install a snapshot; it downloads a checkpoint from the leader
 *       ({@link CheckpointSource}) and swaps it in on {@link #reinitialize()}.
 * </ul>
 */
public final class CorralStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(CorralStateMachine.class);
    /** Checkpoints kept in the snapshots directory; older ones are deleted. */
    static final int CHECKPOINTS_KEPT = 2;

    private final Path dataDir;
    private final StateCore core;
    private final LongSupplier clockMs;
    private final CheckpointSource checkpoints;
    private final ApplyListener listener;
    private final ExecutorService installer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "snapshot-install");
        t.setDaemon(true);
        return t;
    });
    /** Chunk bytes whose local write is in flight, by log index. */
    private final Map<Long, ByteString> writing = new ConcurrentHashMap<>();
    /** Stages chunk bytes in log order, in the store of the moment (an install swaps it). */
    private final ChunkStager stager = new ChunkStager(chunks -> this.store.stageAll(chunks));

    /** Leaders this member learned of since it started, each counted when it differs from the previous one. */
    private final java.util.concurrent.atomic.AtomicLong leaderChanges = new java.util.concurrent.atomic.AtomicLong();

    private volatile RaftPeerId lastLeader;

    private volatile SubmissionGrants submissionGrants = SubmissionGrants.NONE;
    private volatile RocksStore store;
    private volatile TermIndex snapshotMark = TermIndex.valueOf(0, -1);
    private volatile Path pendingInstall;
    /** The first failure to apply an entry; see {@link #failure()}. */
    private volatile Throwable failure;
    /** From an install notification until the downloaded checkpoint is swapped in (or the download failed). */
    private volatile boolean installing;
    /** Entries applied by this process: after a restart, only the tail the store did not have yet. */
    private final java.util.concurrent.atomic.AtomicLong appliedSinceStart =
            new java.util.concurrent.atomic.AtomicLong();

    public CorralStateMachine(
            Path dataDir, StateCore core, LongSupplier clockMs, CheckpointSource checkpoints, ApplyListener listener) {
        this.dataDir = dataDir;
        this.core = core;
        this.clockMs = clockMs;
        this.checkpoints = checkpoints;
        this.listener = listener;
    }

    Path stateDir() {
        return dataDir.resolve("state");
    }

    /** Where this member's checkpoints are ({@code snapshot-<term>-<index>}, see {@link Checkpoints}). */
    public Path snapshotsDir() {
        return dataDir.resolve("snapshots");
    }

    Path installDir() {
        return dataDir.resolve("install");
    }

    /** Where the leader finds idle workers of its own to grant a submission's tasks to in the submission's entry. */
    public void submissionGrants(SubmissionGrants grants) {
        this.submissionGrants = grants;
    }

    /** The live store, for reads outside Raft (housekeeping scans, metrics, blob downloads). */
    public RocksStore store() {
        return store;
    }

    public StateCore core() {
        return core;
    }

    /** How many log entries this process has applied (state-machine entries only). */
    public long entriesAppliedSinceStart() {
        return appliedSinceStart.get();
    }

    /** How many times the leader this member knows changed since it started (the first leader it learns counts). */
    public long leaderChanges() {
        return leaderChanges.get();
    }

    /**
     * Ratis calls this whenever this member's idea of the leader changes, to none as well. A leader lost and found
     * again (a heartbeat blip, or this member's own restart of an election it then loses to the same leader) is no
     * change.
     */
    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        if (newLeaderId != null && !newLeaderId.equals(lastLeader)) {
            lastLeader = newLeaderId;
            leaderChanges.incrementAndGet();
        }
        super.notifyLeaderChanged(groupMemberId, newLeaderId);
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        long openNanos = System.nanoTime();
        getLifeCycle().startAndTransition(() -> {
            Files.createDirectories(dataDir);
            InstallRecovery.finishInterruptedInstall(stateDir(), installDir());
            store = RocksStore.open(stateDir());
            loadMark();
            checkRaftTerm(raftStorage);
        });
        LOG.info(
                "state store at {} holds entries through {} (opened in {} ms)",
                stateDir(),
                snapshotMark,
                (System.nanoTime() - openNanos) / 1_000_000);
    }

    /**
     * Raft persists a member's term before the member accepts an entry of that term, so the Raft storage's term is never
     * below the term of the last applied entry. When it is, the Raft storage is not this state's: a restored data
     * directory started under another cluster name (whose Raft group has a fresh storage at term 0), or Raft storage
     * that was lost. Starting anyway would let this member win elections with a term below its own entries' and
     * append after them, so a member that missed committed entries could later be elected over them.
     */
    private void checkRaftTerm(RaftStorage raftStorage) throws IOException {
        long raftTerm = raftStorage.getMetadataFile().getMetadata().getTerm();
        if (snapshotMark.getTerm() > raftTerm) {
            store.close();
            throw new IOException("the state store " + stateDir() + " holds entries through term "
                    + snapshotMark.getTerm() + " but the Raft storage "
                    + raftStorage.getStorageDir().getRoot()
                    + " is at term " + raftTerm + ": start a restored data directory with the clusterName it was"
                    + " restored for (corral-coordinator restore --cluster-name); refusing to start");
        }
    }

    /** Ratis pauses the state machine before it reloads it after a snapshot install. */
    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    private void loadMark() {
        AppliedMark mark = store.applied();
        snapshotMark = TermIndex.valueOf(mark.term(), mark.index());
        setLastAppliedTermIndex(snapshotMark);
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return new StoreSnapshotInfo(snapshotMark);
    }

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        RaftMessages.Split split;
        try {
            split = RaftMessages.split(request.getMessage().getContent());
        } catch (IllegalArgumentException e) {
            throw new IOException("rejected malformed command: " + e.getMessage(), e);
        }
        SubmissionGrants.Reservation reservation = reserveFor(split.command());
        Command command = reservation == null ? split.command() : withGrants(split.command(), reservation);
        Entry entry = new Entry(clockMs.getAsLong(), command, requestId(request));
        TransactionContext.Builder b = TransactionContext.newBuilder()
                .setStateMachine(this)
                .setClientRequest(request)
                .setLogData(RaftMessages.entry(entry))
                .setStateMachineContext(reservation);
        if (!split.data().isEmpty()) {
            b.setStateMachineData(split.data());
        }
        return b.build();
    }

    /** The Raft client request's identity, the same on every resend of it: its client id and call id. */
    static String requestId(RaftClientRequest request) {
        return request.getClientId() + "/" + request.getCallId();
    }

    /**
     * The leader's own idle workers for a submission, unless the proposing member's grants already cover every task
     * (or name these workers).
     */
    private SubmissionGrants.Reservation reserveFor(Command command) {
        if (command instanceof Command.SubmitJob job) {
            return submissionGrants.reserve(job.images().size(), Set.of());
        }
        if (command instanceof Command.SubmitAndLease c && c.job() != null && c.leases() != null) {
            int asked =
                    c.leases().stream().mapToInt(Command.LeaseTasks::maxTasks).sum();
            int left = c.job().images().size() - asked;
            if (left > 0 && c.leases().size() < CoreLimits.MAX_WORKERS_PER_SUBMIT_LEASE) {
                Set<String> named = new HashSet<>();
                c.leases().forEach(l -> named.add(l.workerId()));
                return submissionGrants.reserve(left, named);
            }
        }
        return null;
    }

    private static Command withGrants(Command command, SubmissionGrants.Reservation reservation) {
        if (command instanceof Command.SubmitAndLease c) {
            List<Command.LeaseTasks> all = new ArrayList<>(c.leases());
            all.addAll(reservation.leases());
            int keep = Math.min(all.size(), CoreLimits.MAX_WORKERS_PER_SUBMIT_LEASE);
            return new Command.SubmitAndLease(c.job(), all.subList(0, keep));
        }
        return new Command.SubmitAndLease((Command.SubmitJob) command, reservation.leases());
    }

    @Override
    public TransactionContext cancelTransaction(TransactionContext trx) throws IOException {
        if (trx.getStateMachineContext() instanceof SubmissionGrants.Reservation r) {
            r.abandoned();
        }
        return super.cancelTransaction(trx);
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pending) throws IOException {
        for (TransactionContext trx : pending) {
            if (trx.getStateMachineContext() instanceof SubmissionGrants.Reservation r) {
                r.abandoned();
            }
        }
        super.notifyNotLeader(pending);
    }

    @Override
    public StateMachine.DataApi data() {
        return new ChunkData();
    }

    /** Chunk bytes as Raft state-machine data, staged in RocksDB by log index. */
    private final class ChunkData implements StateMachine.DataApi {
        @Override
        public CompletableFuture<?> write(LogEntryProto entry, TransactionContext context) {
            ByteString data =
                    entry.getStateMachineLogEntry().getStateMachineEntry().getStateMachineData();
            if (data.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            // Until it is staged, a read of the entry (the leader sending it on) takes the bytes from here.
            long index = entry.getIndex();
            writing.put(index, data);
            return stager.stage(index, data.toByteArray()).whenComplete((v, e) -> writing.remove(index, data));
        }

        /**
         * Read where Ratis asks (a leader's appender, which waits for the answer anyway): a RocksDB read, or a blob's,
         * never a thread of its own.
         */
        @Override
        public CompletableFuture<ByteString> read(LogEntryProto entry, TransactionContext context) {
            try {
                return CompletableFuture.completedFuture(readChunk(entry));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public CompletableFuture<Void> truncate(long index) {
            store.dropStagedFrom(index);
            return CompletableFuture.completedFuture(null);
        }
    }

    private ByteString readChunk(LogEntryProto entry) {
        ByteString inFlight = writing.get(entry.getIndex());
        if (inFlight != null) {
            return inFlight;
        }
        byte[] staged = store.staged(entry.getIndex());
        if (staged != null) {
            return ByteString.copyFrom(staged);
        }
        // A snapshot dropped the staged copy; the applied chunk is in the blob store under its content address.
        Entry e = RaftMessages.entry(entry.getStateMachineLogEntry().getLogData());
        if (e.command() instanceof Command.PutChunk put) {
            byte[] chunk = core.readStoredChunk(store.view(), put.sha256(), put.index());
            if (chunk != null) {
                return ByteString.copyFrom(chunk);
            }
        }
        throw new IllegalStateException("no state-machine data for log entry " + entry.getIndex());
    }

    /**
     * Applies the entry; a failure is remembered ({@link #failure()}) before it propagates. Ratis' apply thread stops
     * on it and closes the server, so this member no longer follows its log: the watchdog reports it, systemd restarts
     * the process, and the restart replays the entry from the store's applied mark.
     */
    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        try {
            return applyEntry(trx);
        } catch (RuntimeException | Error e) {
            failed("applying entry " + trx.getLogEntry().getIndex(), e);
            throw e;
        }
    }

    /**
     * Ratis could not write this member's log: a full or failing disk. Ratis' log worker then refuses every later
     * write, by design (what reached the disk is unknown), and the division goes on as if nothing happened: as leader
     * it would hold the cluster without committing, as follower it would never catch up. So the failure is recorded
     * (the member is unhealthy: /health, /live, cluster status, the systemd watchdog say why) and the division is
     * closed, so that another member leads at once and this one stops taking part; a restart of the process, once the
     * disk has space, replays the log from the store's applied mark (docs/operations.md, "A full disk").
     */
    @Override
    public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
        failed("writing the Raft log" + (failedEntry == null ? "" : " at index " + failedEntry.getIndex()), cause);
        // Not on the log worker's thread: closing the division waits for that worker to stop.
        Thread t = new Thread(this::closeDivision, "close-failed-division");
        t.setDaemon(true);
        t.start();
    }

    private void closeDivision() {
        try {
            getServer().join().getDivision(getGroupId()).close();
            LOG.error("closed this member's Raft division after its log could not be written; restart the member"
                    + " once its data directory has space");
        } catch (Exception e) {
            LOG.warn("closing the Raft division after a log failure: {}", e.toString());
        }
    }

    private void failed(String what, Throwable e) {
        if (failure == null) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            // The root cause is what an operator acts on ("No space left on device"), so it is named too.
            String cause = root == e ? "" : " (cause: " + root + ")";
            failure = new IllegalStateException(what + " failed: " + e + cause, e);
            LOG.error("state machine failed {}; this member stops following its log until restarted", what, e);
        }
    }

    /** Why applying failed, or null while it never has. Once set it stays set: only a restart clears it. */
    public Throwable failure() {
        return failure;
    }

    private CompletableFuture<Message> applyEntry(TransactionContext trx) {
        LogEntryProto log = trx.getLogEntry();
        TermIndex ti = TermIndex.valueOf(log);
        Entry entry = RaftMessages.entry(log.getStateMachineLogEntry().getLogData());
        if (entry.command() instanceof Command.PutChunk put) {
            entry = new Entry(entry.nowMs(), put.withData(stagedOrEmpty(log.getIndex())));
        }
        Entry stamped = entry;
        Answer[] answer = new Answer[1];
        boolean[] repeated = new boolean[1];
        Applied applied = store.apply(new AppliedMark(ti.getTerm(), ti.getIndex()), txn -> {
            AppliedRequests.collect(txn, stamped.nowMs(), AppliedRequests.COLLECT_PER_ENTRY);
            String requestId = stamped.requestId();
            byte[] earlier = requestId == null ? null : AppliedRequests.answer(txn, requestId);
            if (earlier != null) {
                // Applied before: answer as then, change nothing (Ratis' retry cache did not know the resend).
                answer[0] = new Answer(earlier, null);
                repeated[0] = true;
                return Applied.of(new Response.Ack());
            }
            Applied a = core.apply(ti.getIndex(), ti.getTerm(), stamped, txn);
            answer[0] = answerOf(stamped.command(), a);
            if (requestId != null) {
                AppliedRequests.record(txn, requestId, stamped.nowMs(), answer[0].bytes());
            }
            return a;
        });
        if (repeated[0]) {
            LOG.warn(
                    "entry {} repeats request {} (applied before): answered as then, nothing changed",
                    ti.getIndex(),
                    stamped.requestId());
        }
        updateLastAppliedTermIndex(ti);
        appliedSinceStart.incrementAndGet();
        notifyListener(ti.getIndex(), stamped.command(), applied);
        ByteString reply = UnsafeByteOperations.unsafeWrap(answer[0].bytes());
        if (trx.getStateMachineContext() instanceof SubmissionGrants.Reservation r) {
            // A repeated request was answered from its bytes alone: decoded here, once, as it is rare.
            Response single = answer[0].reply() != null ? answer[0].reply() : RaftMessages.reply(reply);
            r.applied(single instanceof Response.JobSubmittedWithLeases w ? w.grants() : Map.of());
        }
        return CompletableFuture.completedFuture(Message.valueOf(reply));
    }

    /** An entry's answer as it is sent and recorded, and, for a single command, the reply it encodes (else null). */
    private record Answer(byte[] bytes, Response reply) {}

    /**
     * The answer to an applied entry: its command's reply, or for a batch the replies of its commands, in order
     * ({@link RaftMessages#repliesBytes}).
     */
    private static Answer answerOf(Command command, Applied applied) {
        if (command instanceof Command.Batch batch) {
            List<Response> replies = new ArrayList<>(applied.parts().size());
            for (int i = 0; i < applied.parts().size(); i++) {
                replies.add(
                        LeaseReplies.of(batch.commands().get(i), applied.parts().get(i)));
            }
            return new Answer(RaftMessages.repliesBytes(replies), null);
        }
        Response reply = LeaseReplies.of(command, applied);
        return new Answer(RaftMessages.replyBytes(reply), reply);
    }

    /** The listener hears each command of a batch on its own, as if it had had an entry of its own. */
    private void notifyListener(long index, Command command, Applied applied) {
        if (command instanceof Command.Batch batch && !applied.parts().isEmpty()) {
            for (int i = 0; i < applied.parts().size(); i++) {
                notifyListenerOf(
                        index, batch.commands().get(i), applied.parts().get(i).events());
            }
        } else {
            notifyListenerOf(index, command, applied.events());
        }
    }

    private void notifyListenerOf(long index, Command command, List<Event> events) {
        try {
            listener.applied(index, command, events);
        } catch (RuntimeException e) {
            // The entry is applied and stored; a listener bug must not stop the state machine, nor keep the other
            // commands of a batch from being heard.
            LOG.warn("apply listener failed on entry {}: {}", index, e.toString(), e);
        }
    }

    private byte[] stagedOrEmpty(long index) {
        byte[] data = store.staged(index);
        // Missing staged data would be a bug in the data path; the core rejects the short chunk and changes nothing.
        return data == null ? new byte[0] : data;
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        // Configuration and leader no-op entries: record them so the applied mark never lags the log.
        try {
            store.markApplied(new AppliedMark(term, index));
        } catch (RuntimeException e) {
            failed("recording entry " + index, e);
            throw e;
        }
        super.notifyTermIndexUpdated(term, index);
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        try {
            RaftMessages.Query q = RaftMessages.query(request.getContent());
            Request query = q.request();
            if (query instanceof Request.ReadBlobChunk r) {
                return CompletableFuture.completedFuture(
                        RaftMessages.reply(readBlobChunk(r, Caller.orSystem(q.caller()))));
            }
            if (query instanceof Request.OpenBackup) {
                // A read of nothing: reaching here means this member has applied everything committed before it.
                return CompletableFuture.completedFuture(RaftMessages.reply(new Response.Ack()));
            }
            return CompletableFuture.completedFuture(
                    RaftMessages.reply(core.query(query, Caller.orSystem(q.caller()), store.view())));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(
                    RaftMessages.reply(new Response.ErrorReply(ErrorCode.BAD_REQUEST, e.getMessage())));
        }
    }

    /** Whether a chunk of image {@code sha256} from {@code tenant} must carry its hash (see {@code BlobGrants}). */
    public boolean needsProof(String tenant, String sha256) {
        KvView view = store.view();
        return Blobs.sealed(view, sha256) != null && !BlobGrants.granted(view, tenant, sha256);
    }

    /**
     * One chunk of a sealed blob from this member's store, or NOT_FOUND. Blobs are immutable and content-addressed,
     * so a local copy, once sealed, is the right answer whatever the read's consistency. An image {@code caller} may
     * not read ({@link StateCore#mayRead}) is answered as if it did not exist.
     */
    public Response readBlobChunk(Request.ReadBlobChunk r, Caller caller) {
        KvView view = store.view();
        BlobRecord blob = core.mayRead(view, caller, r.sha256()) ? Blobs.sealed(view, r.sha256()) : null;
        byte[] chunk = blob == null ? null : core.readChunk(view, r.sha256(), r.index());
        if (chunk == null) {
            return new Response.ErrorReply(
                    ErrorCode.NOT_FOUND,
                    blob == null
                            ? "no sealed image " + r.sha256()
                                    + (caller.usesAnyImage() ? "" : " that " + caller + " may read")
                            : "image " + r.sha256() + " has " + blob.chunks() + " chunks; there is no chunk "
                                    + r.index());
        }
        return new Response.BlobChunk(r.sha256(), r.index(), blob.chunks(), chunk);
    }

    @Override
    public long takeSnapshot() throws IOException {
        AppliedMark mark = store.applied();
        if (mark.index() < 0) {
            return mark.index();
        }
        store.flush();
        Path target = snapshotsDir().resolve("snapshot-" + mark.term() + "-" + mark.index());
        if (!Files.exists(target)) {
            Files.createDirectories(snapshotsDir());
            Path tmp = snapshotsDir().resolve(".tmp-" + mark.index());
            StoreFiles.deleteRecursively(tmp);
            store.checkpoint(tmp);
            Files.move(tmp, target);
        }
        store.dropStagedThrough(mark.index());
        Checkpoints.prune(snapshotsDir(), CHECKPOINTS_KEPT);
        snapshotMark = TermIndex.valueOf(mark.term(), mark.index());
        LOG.info("snapshot at {} in {}", snapshotMark, target);
        return mark.index();
    }

    @Override
    public StateMachine.FollowerEventApi followerEvent() {
        return new StateMachine.FollowerEventApi() {
            @Override
            public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(
                    RoleInfoProto role, TermIndex firstTermIndexInLog) {
                return installFromLeader(role, firstTermIndexInLog);
            }
        };
    }

    /** Whether a snapshot install is under way on this member (its applied index stands still meanwhile). */
    public boolean installing() {
        return installing;
    }

    private CompletableFuture<TermIndex> installFromLeader(RoleInfoProto role, TermIndex firstInLeaderLog) {
        // Ratis describes the leader as the leader's configuration has it, even to a new member that knows no
        // configuration yet: its RPC address travels there (PeerAddresses).
        RaftPeerProto leader = role.getFollowerInfo().getLeaderInfo().getId();
        String leaderId = leader.getId().toStringUtf8();
        String leaderRpc = PeerAddresses.decode(leader.getDataStreamAddress()).rpc();
        LOG.info(
                "leader {} no longer has the log from our applied index; its log starts at {}: installing",
                leaderId,
                firstInLeaderLog);
        installing = true;
        return CompletableFuture.supplyAsync(() -> downloadCheckpoint(leaderId, leaderRpc), installer);
    }

    private TermIndex downloadCheckpoint(String leaderId, String leaderRpc) {
        Path target = installDir();
        try {
            StoreFiles.deleteRecursively(target);
            AppliedMark mark = checkpoints.download(leaderId, leaderRpc, target);
            InstallRecovery.markComplete(target);
            pendingInstall = target;
            LOG.info("downloaded checkpoint at {} from {}", mark, leaderId);
            return TermIndex.valueOf(mark.term(), mark.index());
        } catch (Exception e) {
            installing = false;
            LOG.warn("snapshot download from {} failed: {}", leaderId, e.toString());
            throw new IllegalStateException("snapshot download from " + leaderId + " failed", e);
        }
    }

    @Override
    public void reinitialize() throws IOException {
        Path install = pendingInstall;
        if (install != null) {
            pendingInstall = null;
            store.replaceWith(install, InstallRecovery::clearMarker);
            loadMark();
            LOG.info("installed checkpoint; state now holds entries through {}", snapshotMark);
        }
        installing = false;
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    /** Makes a checkpoint of the current state for a peer that installs it; the caller deletes it when done. */
    public AppliedMark checkpointTo(Path target) {
        store.checkpoint(target);
        return RocksStore.appliedOf(target);
    }

    @Override
    public void close() throws IOException {
        installer.shutdownNow();
        stager.close();
        if (store != null) {
            store.close();
        }
        super.close();
    }

    /** A snapshot that is the live store itself: no files for Ratis to ship (installs go through the follower). */
    private record StoreSnapshotInfo(TermIndex termIndex) implements SnapshotInfo {
        @Override
        public TermIndex getTermIndex() {
            return termIndex;
        }

        @Override
        public List<org.apache.ratis.server.storage.FileInfo> getFiles() {
            return List.of();
        }
    }
}
