package io.corral.auth;

import io.corral.protocol.Request;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which roles may send which request: the one table a coordinator with authentication checks every request against
 * (documented in docs/protocol.md, "Authentication"). Pure: no I/O, no state. {@link Role#ADMIN} may send everything;
 * a request type missing from the table is refused to every other role, so a new request is admin-only until someone
 * decides otherwise (a test fails until they do).
 */
public final class AccessTable {
    private static final Set<Role> SUBMITTING = EnumSet.of(Role.ADMIN, Role.SUBMITTER);
    private static final Set<Role> UPLOADING = EnumSet.of(Role.ADMIN, Role.SUBMITTER, Role.WORKER);
    private static final Set<Role> READING = EnumSet.of(Role.ADMIN, Role.SUBMITTER, Role.READ_ONLY);
    private static final Set<Role> STATUS = EnumSet.of(Role.ADMIN, Role.SUBMITTER, Role.WORKER, Role.READ_ONLY);
    private static final Set<Role> WORKING = EnumSet.of(Role.ADMIN, Role.WORKER);
    private static final Set<Role> ADMINISTERING = EnumSet.of(Role.ADMIN);
    private static final Set<Role> BETWEEN_PEERS = EnumSet.of(Role.ADMIN, Role.PEER);

    private static final Map<Class<? extends Request>, Set<Role>> TABLE = table();

    private AccessTable() {}

    private static Map<Class<? extends Request>, Set<Role>> table() {
        Map<Class<? extends Request>, Set<Role>> t = new LinkedHashMap<>();
        // The handshake itself: authenticated by its token, not authorized by this table.
        t.put(Request.Hello.class, EnumSet.allOf(Role.class));
        // Image bytes: clients upload inputs, workers upload results and download inputs, submitters download results.
        t.put(Request.HasBlob.class, UPLOADING);
        t.put(Request.PutChunk.class, UPLOADING);
        t.put(Request.SealBlob.class, UPLOADING);
        t.put(Request.ReadBlobChunk.class, UPLOADING);
        // Jobs.
        t.put(Request.SubmitJob.class, SUBMITTING);
        t.put(Request.CancelJob.class, SUBMITTING);
        t.put(Request.RetryTasks.class, SUBMITTING);
        t.put(Request.GetJob.class, READING);
        t.put(Request.GetTask.class, READING);
        t.put(Request.ListJobs.class, READING);
        // Locks: held by the submitters' own programs; anyone who reads status may look at them.
        t.put(Request.AcquireLock.class, SUBMITTING);
        t.put(Request.ReleaseLock.class, SUBMITTING);
        t.put(Request.RenewLock.class, SUBMITTING);
        t.put(Request.GetLock.class, READING);
        t.put(Request.ListLocks.class, READING);
        // Status. Workers read the cluster's status to follow the leader.
        t.put(Request.GetClusterStatus.class, STATUS);
        t.put(Request.ListWorkers.class, READING);
        t.put(Request.GetNodeStatus.class, with(STATUS, Role.PEER));
        t.put(Request.GetSecurity.class, STATUS);
        // The worker protocol.
        t.put(Request.RegisterWorker.class, WORKING);
        t.put(Request.Heartbeat.class, WORKING);
        t.put(Request.CompleteTask.class, WORKING);
        t.put(Request.FailTask.class, WORKING);
        t.put(Request.ReportProgress.class, WORKING);
        t.put(Request.ReleaseLeases.class, WORKING);
        // Administration. A member that lost entries asks the leader to hand over (CatchUpWatchdog): peers may too.
        t.put(Request.TakeSnapshot.class, ADMINISTERING);
        t.put(Request.OpenBackup.class, ADMINISTERING);
        t.put(Request.TransferLeader.class, BETWEEN_PEERS);
        // Membership: a follower checks the caller's role (admin) and forwards the change to the leader with the peer
        // token, so the leader admits peers too; the configuration itself is status, as cluster status shows it.
        t.put(Request.GetMembership.class, with(STATUS, Role.PEER));
        t.put(Request.AddPeer.class, BETWEEN_PEERS);
        t.put(Request.PromotePeer.class, BETWEEN_PEERS);
        t.put(Request.RemovePeer.class, BETWEEN_PEERS);
        // Between coordinators: worker lists and snapshot installation. A backup reads its checkpoint the same way.
        t.put(Request.GetLocalWorkers.class, BETWEEN_PEERS);
        t.put(Request.OpenCheckpoint.class, BETWEEN_PEERS);
        t.put(Request.ReadCheckpoint.class, BETWEEN_PEERS);
        t.put(Request.CloseCheckpoint.class, BETWEEN_PEERS);
        return Collections.unmodifiableMap(t);
    }

    private static Set<Role> with(Set<Role> roles, Role extra) {
        Set<Role> out = EnumSet.copyOf(roles);
        out.add(extra);
        return out;
    }

    /** Whether {@code role} may send {@code request}. */
    public static boolean permits(Role role, Request request) {
        return permits(role, request.getClass());
    }

    /** Whether {@code role} may send requests of {@code type}; an admin may send anything. */
    public static boolean permits(Role role, Class<? extends Request> type) {
        return role == Role.ADMIN || TABLE.getOrDefault(type, ADMINISTERING).contains(role);
    }

    /** The roles that may send {@code type} (admin only for a type the table does not list). */
    public static Set<Role> roles(Class<? extends Request> type) {
        return Collections.unmodifiableSet(EnumSet.copyOf(TABLE.getOrDefault(type, ADMINISTERING)));
    }

    /** The request types the table lists, for the test that every type is listed. */
    static Set<Class<? extends Request>> listed() {
        return TABLE.keySet();
    }
}
