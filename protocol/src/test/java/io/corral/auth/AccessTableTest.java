package io.corral.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.Request;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The role table: who may send what. Each assertion is a row of docs/protocol.md's table. */
class AccessTableTest {
    static final Set<Role> ALL = EnumSet.allOf(Role.class);

    @SuppressWarnings("unchecked")
    static List<Class<? extends Request>> requestTypes() {
        return Arrays.stream(Request.class.getPermittedSubclasses())
                .<Class<? extends Request>>map(c -> (Class<? extends Request>) c)
                .toList();
    }

    /** A new request type must be placed in the table; until then it is admin-only, and this test says so. */
    @Test
    void everyRequestTypeIsInTheTable() {
        Set<String> missing = requestTypes().stream()
                .filter(t -> !AccessTable.listed().contains(t))
                .map(Class::getSimpleName)
                .collect(Collectors.toSet());
        assertThat(missing).as("request types missing from AccessTable").isEmpty();
    }

    @Test
    void anAdminMaySendEverything() {
        for (Class<? extends Request> type : requestTypes()) {
            assertThat(AccessTable.permits(Role.ADMIN, type))
                    .as(type.getSimpleName())
                    .isTrue();
        }
    }

    @Test
    void submittersUploadSubmitFollowCancelRetryDownloadAndLock() {
        assertThat(allowed(Role.SUBMITTER))
                .containsExactlyInAnyOrder(
                        "Hello",
                        "HasBlob",
                        "PutChunk",
                        "SealBlob",
                        "ReadBlobChunk",
                        "SubmitJob",
                        "CancelJob",
                        "RetryTasks",
                        "GetJob",
                        "GetTask",
                        "ListJobs",
                        "AcquireLock",
                        "ReleaseLock",
                        "RenewLock",
                        "GetLock",
                        "ListLocks",
                        "GetClusterStatus",
                        "GetNodeStatus",
                        "GetSecurity",
                        "GetMembership",
                        "ListWorkers");
    }

    @Test
    void workersRunTheWorkerProtocolMoveBytesAndReadTheClusterStatus() {
        assertThat(allowed(Role.WORKER))
                .containsExactlyInAnyOrder(
                        "Hello",
                        "HasBlob",
                        "PutChunk",
                        "SealBlob",
                        "ReadBlobChunk",
                        "RegisterWorker",
                        "Heartbeat",
                        "CompleteTask",
                        "FailTask",
                        "ReportProgress",
                        "ReleaseLeases",
                        "GetClusterStatus",
                        "GetNodeStatus",
                        "GetSecurity",
                        "GetMembership");
    }

    @Test
    void readOnlyTokensReadStatusAndNothingElse() {
        assertThat(allowed(Role.READ_ONLY))
                .containsExactlyInAnyOrder(
                        "Hello",
                        "GetJob",
                        "GetTask",
                        "ListJobs",
                        "GetLock",
                        "ListLocks",
                        "GetClusterStatus",
                        "GetNodeStatus",
                        "GetSecurity",
                        "GetMembership",
                        "ListWorkers");
    }

    @Test
    void peersSendOnlyWhatCoordinatorsSendEachOther() {
        assertThat(allowed(Role.PEER))
                .containsExactlyInAnyOrder(
                        "Hello",
                        "GetNodeStatus",
                        "GetMembership",
                        "GetLocalWorkers",
                        "OpenCheckpoint",
                        "ReadCheckpoint",
                        "CloseCheckpoint",
                        "TransferLeader",
                        "AddPeer",
                        "PromotePeer",
                        "RemovePeer");
    }

    @Test
    void administrationIsForAdminsOnly() {
        for (Class<? extends Request> type : List.of(Request.TakeSnapshot.class, Request.OpenBackup.class)) {
            assertThat(AccessTable.roles(type)).as(type.getSimpleName()).containsExactly(Role.ADMIN);
        }
        assertThat(AccessTable.roles(Request.TransferLeader.class)).containsExactlyInAnyOrder(Role.ADMIN, Role.PEER);
        // Membership changes: admins, and peers (a follower forwards an admin's change to the leader).
        for (Class<? extends Request> type :
                List.of(Request.AddPeer.class, Request.PromotePeer.class, Request.RemovePeer.class)) {
            assertThat(AccessTable.roles(type))
                    .as(type.getSimpleName())
                    .containsExactlyInAnyOrder(Role.ADMIN, Role.PEER);
        }
        assertThat(AccessTable.permits(Role.SUBMITTER, new Request.TransferLeader("n2")))
                .isFalse();
    }

    @Test
    void rolesHaveTheirConfigurationNames() {
        assertThat(Role.parse("read-only")).isEqualTo(Role.READ_ONLY);
        assertThat(Arrays.stream(Role.values()).map(Role::configName))
                .containsExactly("admin", "submitter", "worker", "read-only", "peer");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Role.parse("root"))
                .hasMessage("unknown role 'root'; roles are admin, submitter, worker, read-only, peer");
    }

    private static Set<String> allowed(Role role) {
        assertThat(ALL).contains(role);
        return requestTypes().stream()
                .filter(t -> AccessTable.permits(role, t))
                .map(Class::getSimpleName)
                .collect(Collectors.toSet());
    }
}
