package io.corral.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.auth.Role;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobState;
import io.corral.protocol.JobSummary;
import io.corral.protocol.LockView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ownership rules (issue 11, docs/security.md "Ownership"): a job belongs to the tenant that submitted it and a lock
 * to the tenant that acquired it; another submitter can neither read, list, cancel nor retry the job, nor release,
 * renew or see the token of the lock; a read-only token reads every job; an admin does everything.
 */
class OwnershipTest {
    private static final Caller ALICE = new Caller("alice", Role.SUBMITTER);
    private static final Caller BOB = new Caller("bob", Role.SUBMITTER);
    private static final Caller AUDITOR = new Caller("auditor", Role.READ_ONLY);
    private static final Caller ADMIN = new Caller("ops", Role.ADMIN);

    private final CoreHarness h = new CoreHarness();
    private final byte[] png = CoreHarness.png(64, 1);
    private final ImageRef image = new ImageRef("a.png", CoreHarness.sha256(png), png.length);

    /** Each tenant uploads the image before it submits a job of it (BlobGrantsTest). */
    private String submit(Caller by, String key) {
        h.upload(png, by.tenant());
        Response reply = h.reply(
                new Command.SubmitJob(List.of(image), List.of("thumbnail:128"), 0, 3, 0, Map.of(), key, by.tenant()));
        assertThat(reply).isInstanceOf(Response.JobSubmitted.class);
        return ((Response.JobSubmitted) reply).jobId();
    }

    private static void assertDenied(Response reply) {
        assertThat(reply).isInstanceOf(Response.ErrorReply.class);
        assertThat(((Response.ErrorReply) reply).code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
    }

    private List<String> listed(Caller caller, JobState state, String before) {
        Response reply = h.query(new Request.ListJobs(state, 50, false, before), caller);
        assertThat(reply).isInstanceOf(Response.JobList.class);
        return ((Response.JobList) reply).jobs().stream().map(JobSummary::id).toList();
    }

    @Test
    void aJobRecordsItsOwnerAndOnlyItsOwnerAnAdminOrAReadOnlyTokenReadIt() {
        String job = submit(ALICE, null);

        Response own = h.query(new Request.GetJob(job, false), ALICE);
        assertThat(((Response.JobDetail) own).job().owner()).isEqualTo("alice");
        assertThat(h.query(new Request.GetJob(job, false), AUDITOR)).isInstanceOf(Response.JobDetail.class);
        assertThat(h.query(new Request.GetJob(job, false), ADMIN)).isInstanceOf(Response.JobDetail.class);

        Response refused = h.query(new Request.GetJob(job, false), BOB);
        assertDenied(refused);
        assertThat(((Response.ErrorReply) refused).message())
                .isEqualTo(job + " is not a job of tenant 'bob'; only its owner, an admin or a read-only token may"
                        + " read it")
                .doesNotContain("alice");
        assertDenied(h.query(new Request.GetTask(job + ".0", false), BOB));
        assertThat(h.query(new Request.GetTask(job + ".0", false), ALICE)).isInstanceOf(Response.TaskDetail.class);
    }

    @Test
    void aSubmitterListsOnlyItsTenantsJobsByStateAndByPage() {
        String a1 = submit(ALICE, null);
        String b1 = submit(BOB, null);
        String a2 = submit(ALICE, null);
        String a3 = submit(ALICE, null);
        assertThat(h.reply(new Command.CancelJob(a2, ALICE))).isInstanceOf(Response.JobDetail.class);

        assertThat(listed(ALICE, null, null)).containsExactly(a3, a2, a1);
        assertThat(listed(BOB, null, null)).containsExactly(b1);
        assertThat(listed(ALICE, JobState.PENDING, null)).containsExactly(a3, a1);
        assertThat(listed(ALICE, JobState.CANCELLED, null)).containsExactly(a2);
        assertThat(listed(ALICE, null, a3)).containsExactly(a2, a1);
        assertThat(listed(ALICE, JobState.PENDING, a3)).containsExactly(a1);
        Response page = h.query(new Request.ListJobs(null, 2, false, null), ALICE);
        assertThat(((Response.JobList) page).jobs()).extracting(JobSummary::id).containsExactly(a3, a2);

        assertThat(listed(AUDITOR, null, null)).containsExactly(a3, a2, b1, a1);
        assertThat(listed(ADMIN, null, null)).containsExactly(a3, a2, b1, a1);
        assertThat(listed(new Caller("carol", Role.SUBMITTER), null, null)).isEmpty();
    }

    @Test
    void onlyTheOwnerOrAnAdminCancelsOrRetriesAJob() {
        String job = submit(ALICE, null);

        assertThat(h.refused(new Command.CancelJob(job, BOB), ErrorCode.PERMISSION_DENIED))
                .isEqualTo(job + " is not a job of tenant 'bob'; only its owner or an admin may cancel it");
        h.refused(new Command.CancelJob(job, AUDITOR), ErrorCode.PERMISSION_DENIED);
        assertThat(h.refused(new Command.RetryTasks(job, BOB), ErrorCode.PERMISSION_DENIED))
                .contains("may retry it");
        assertThat(h.apply(new Command.RetryTasks(job, ALICE)).result()).isEqualTo(new LeaseResult.Retried(0));

        assertThat(h.reply(new Command.CancelJob(job, ADMIN))).isInstanceOf(Response.JobDetail.class);
        String second = submit(ALICE, null);
        assertThat(h.reply(new Command.CancelJob(second, ALICE))).isInstanceOf(Response.JobDetail.class);
    }

    @Test
    void idempotencyKeysAreApartForEachTenant() {
        String alices = submit(ALICE, "nightly");
        String bobs = submit(BOB, "nightly");

        assertThat(bobs).isNotEqualTo(alices);
        assertThat(submit(ALICE, "nightly")).isEqualTo(alices);
        assertThat(submit(BOB, "nightly")).isEqualTo(bobs);
        assertThat(submit(Caller.SYSTEM, "nightly")).isNotIn(alices, bobs);
    }

    @Test
    void aJobSubmittedWithoutAuthenticationIsAnAdminsOnly() {
        String job = submit(Caller.SYSTEM, null);

        assertDenied(h.query(new Request.GetJob(job, false), ALICE));
        assertThat(listed(ALICE, null, null)).isEmpty();
        h.refused(new Command.CancelJob(job, ALICE), ErrorCode.PERMISSION_DENIED);
        assertThat(h.query(new Request.GetJob(job, false), ADMIN)).isInstanceOf(Response.JobDetail.class);
        // A command from an entry written before commands carried their caller applies as it did then.
        assertThat(h.reply(new Command.CancelJob(job))).isInstanceOf(Response.JobDetail.class);
    }

    @Test
    void onlyTheHoldersTenantOrAnAdminReleasesOrRenewsALockAndSeesItsToken() {
        Response granted = h.reply(new Command.AcquireLock("deploy", "alice-ci", 10_000, 0, "alice"));
        long token = ((Response.LockGranted) granted).token();

        // The token is a Raft index anyone can guess: the right one from the wrong tenant is refused all the same.
        assertThat(h.refused(new Command.ReleaseLock("deploy", token, BOB), ErrorCode.PERMISSION_DENIED))
                .isEqualTo("lock 'deploy' is not held by tenant 'bob'; only its holder or an admin may release it");
        h.refused(new Command.RenewLock("deploy", token, BOB), ErrorCode.PERMISSION_DENIED);
        h.refused(new Command.ReleaseLock("deploy", token + 1, BOB), ErrorCode.PERMISSION_DENIED);
        h.refused(new Command.ReleaseLock("deploy", token, AUDITOR), ErrorCode.PERMISSION_DENIED);

        assertThat(lock(ALICE).token()).isEqualTo(token);
        assertThat(lock(ADMIN).token()).isEqualTo(token);
        assertThat(lock(BOB).token()).isZero();
        assertThat(lock(AUDITOR).token()).isZero();
        assertThat(lock(BOB).owner()).isEqualTo("alice-ci");
        Response list = h.query(new Request.ListLocks(false), BOB);
        assertThat(((Response.LockList) list).locks())
                .extracting(LockView::token)
                .containsExactly(0L);

        assertThat(h.reply(new Command.RenewLock("deploy", token, ALICE))).isInstanceOf(Response.LockGranted.class);
        assertThat(h.reply(new Command.ReleaseLock("deploy", token, ALICE))).isInstanceOf(Response.LockReleased.class);
        long next =
                ((Response.LockGranted) h.reply(new Command.AcquireLock("deploy", "x", 10_000, 0, "alice"))).token();
        assertThat(h.reply(new Command.ReleaseLock("deploy", next, ADMIN))).isInstanceOf(Response.LockReleased.class);
    }

    @Test
    void aLockHandedToAQueuedAcquirerBelongsToTheAcquirersTenant() {
        long first =
                ((Response.LockGranted) h.reply(new Command.AcquireLock("deploy", "a", 10_000, 0, "alice"))).token();
        assertThat(h.reply(new Command.AcquireLock("deploy", "b", 10_000, 60_000, "bob")))
                .isInstanceOf(Response.LockQueued.class);

        Applied released = h.apply(new Command.ReleaseLock("deploy", first, ALICE));
        assertThat(released.events()).hasSize(1);
        long bobs = ((Event.LockGranted) released.events().get(0)).token();

        assertThat(lock(BOB).token()).isEqualTo(bobs);
        assertThat(lock(ALICE).token()).isZero();
        h.refused(new Command.ReleaseLock("deploy", bobs, ALICE), ErrorCode.PERMISSION_DENIED);
        assertThat(h.reply(new Command.ReleaseLock("deploy", bobs, BOB))).isInstanceOf(Response.LockReleased.class);
    }

    private LockView lock(Caller caller) {
        Response reply = h.query(new Request.GetLock("deploy", false), caller);
        assertThat(reply).isInstanceOf(Response.LockDetail.class);
        return ((Response.LockDetail) reply).lock();
    }
}
