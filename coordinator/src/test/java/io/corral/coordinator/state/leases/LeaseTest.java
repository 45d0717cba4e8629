package io.corral.coordinator.state.leases;

import static io.corral.coordinator.state.leases.LeaseTestSupport.BASE_MS;
import static io.corral.coordinator.state.leases.LeaseTestSupport.CAP_MS;
import static io.corral.coordinator.state.leases.LeaseTestSupport.TTL_MS;
import static io.corral.coordinator.state.leases.LeaseTestSupport.completion;
import static io.corral.coordinator.state.leases.LeaseTestSupport.expire;
import static io.corral.coordinator.state.leases.LeaseTestSupport.extend;
import static io.corral.coordinator.state.leases.LeaseTestSupport.lease;
import static io.corral.coordinator.state.leases.LeaseTestSupport.leaseOne;
import static io.corral.coordinator.state.leases.LeaseTestSupport.ref;
import static io.corral.coordinator.state.leases.LeaseTestSupport.submit;
import static io.corral.coordinator.state.leases.LeaseTestSupport.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.corral.coordinator.state.Applied;
import io.corral.coordinator.state.Command;
import io.corral.coordinator.state.CoreHarness;
import io.corral.coordinator.state.Event;
import io.corral.coordinator.state.LeaseResult;
import io.corral.coordinator.state.StateInvariants;
import io.corral.coordinator.state.blobs.Blobs;
import io.corral.coordinator.state.jobs.AttemptRecord;
import io.corral.coordinator.state.jobs.JobKeys;
import io.corral.coordinator.state.jobs.TaskHistory;
import io.corral.coordinator.state.jobs.TaskRecord;
import io.corral.coordinator.state.jobs.Tasks;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.AttemptOutcome;
import io.corral.protocol.AttemptView;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.JobState;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lease rules of the core, one scenario per rule, with the harness's fake clock and invariants after each entry. */
class LeaseTest {
    private final CoreHarness h = new CoreHarness();

    @Test
    void grantsFollowTheQueueAndShareTheEntryIndexAsToken() {
        long low = submit(h, 0, 2, 3);
        long high = submit(h, 5, 1, 3);
        long index = h.nextIndex();
        List<LeaseResult.Grant> grants = lease(h, "w1", 2);
        assertThat(grants)
                .extracting(LeaseResult.Grant::taskId)
                .containsExactly(JobKeys.taskId(high, 0), JobKeys.taskId(low, 0));
        assertThat(grants).allSatisfy(g -> {
            assertThat(g.token()).isEqualTo(index);
            assertThat(g.expiresAtMs()).isEqualTo(h.nowMs() + TTL_MS);
            assertThat(g.operations()).containsExactly("thumbnail:128");
            assertThat(g.imageName()).isEqualTo("img.png");
            assertThat(g.imageSize()).isEqualTo(64);
        });
        TaskRecord leased = task(h, grants.get(0).taskId());
        assertThat(leased.state()).isEqualTo(TaskState.LEASED);
        assertThat(leased.attempts()).isEqualTo(1);
        assertThat(leased.lease().workerId()).isEqualTo("w1");
        assertThat(leased.lease().grantedAtMs()).isEqualTo(h.nowMs());

        List<LeaseResult.Grant> next = lease(h, "w2", 10);
        assertThat(next).extracting(LeaseResult.Grant::taskId).containsExactly(JobKeys.taskId(low, 1));
        assertThat(next.get(0).token()).isEqualTo(index + 1);
        assertThat(lease(h, "w3", 10)).isEmpty();

        assertThat(h.core.leasesOf(h.kv, "w1")).extracting(TaskRecord::id).hasSize(2);
        assertThat(h.core.leasesOf(h.kv, "w2")).extracting(TaskRecord::id).containsExactly(JobKeys.taskId(low, 1));
        assertThat(h.core.counters(h.kv).leasesGranted()).isEqualTo(3);
        assertThat(Tasks.job(h.kv, low).state()).isEqualTo(JobState.LEASED);
    }

    @Test
    void grantsCarryTheJobsTaskTimeoutAndZeroWhenItSetNone() {
        long plain = submit(h, 0, 1, 3);
        ImageRef image = h.image("img.png", CoreHarness.png(64, 1));
        Response reply =
                h.reply(new Command.SubmitJob(List.of(image), List.of("thumbnail:128"), 5, 3, 90_000, Map.of(), null));
        long timed = JobKeys.parseJobId(((Response.JobSubmitted) reply).jobId());

        List<LeaseResult.Grant> grants = lease(h, "w1", 2);

        assertThat(grants)
                .extracting(LeaseResult.Grant::taskId, LeaseResult.Grant::taskTimeoutMs)
                .containsExactly(tuple(JobKeys.taskId(timed, 0), 90_000L), tuple(JobKeys.taskId(plain, 0), 0L));
    }

    @Test
    void heartbeatsExtendCurrentLeasesAndNameTheStaleOnes() {
        submit(h, 0, 2, 3);
        LeaseResult.Grant a = leaseOne(h, "w1");
        LeaseResult.Grant b = leaseOne(h, "w2");
        h.advance(20_000);
        LeaseResult.Leases answer = extend(
                h,
                "w1",
                TTL_MS,
                ref(a),
                new Command.LeaseRef(a.taskId(), a.token() - 1),
                ref(b),
                new Command.LeaseRef("job-999.0", 5));
        assertThat(answer.accepted())
                .containsExactly(new LeaseResult.LeaseState(a.taskId(), a.token(), h.nowMs() + TTL_MS));
        assertThat(answer.stale())
                .extracting(LeaseResult.StaleLease::reason)
                .containsExactly(
                        "task " + a.taskId() + " is leased under another token; token " + (a.token() - 1) + " is stale",
                        "task " + b.taskId() + " is leased to worker 'w2', not 'w1'",
                        "no task 'job-999.0'");
        assertThat(task(h, a.taskId()).lease().expiresAtMs()).isEqualTo(h.nowMs() + TTL_MS);

        // A shorter TTL never shortens a lease.
        long until = h.nowMs() + TTL_MS;
        h.advance(1_000);
        assertThat(extend(h, "w1", 1_000, ref(a)).accepted().get(0).expiresAtMs())
                .isEqualTo(until);

        // b lapsed at its expiry: from then on its heartbeat is stale, even before the leader commits the expiry.
        h.advance(TTL_MS);
        Map<?, ?> before = h.kv.dump();
        LeaseResult.Leases late = extend(h, "w2", TTL_MS, ref(b));
        assertThat(late.accepted()).isEmpty();
        assertThat(late.stale().get(0).reason()).contains("expired at");
        assertThat(h.lastWrites()).isZero();
        assertThat(h.kv.dump()).isEqualTo(before);
    }

    /**
     * Issue 11: with one worker token, worker B completed A's task with its own result, failed another of A's tasks
     * for good and reported progress on A's lease, knowing only A's fencing tokens (small counters). A lease command
     * names its worker (the coordinator fills it in from the connection), and only the holder's is applied.
     */
    @Test
    void anotherWorkerCannotCompleteFailOrReportOnALeaseEvenWithItsToken() {
        submit(h, 0, 1, 3);
        LeaseResult.Grant g = leaseOne(h, "w1");
        Map<?, ?> before = h.kv.dump();

        String why = "task " + g.taskId() + " is not leased to worker 'w2'";
        assertThat(h.refused(completion(h, "w2", g, 3), ErrorCode.STALE_LEASE)).isEqualTo(why);
        before = h.kv.dump(); // the refused completion's result blob was uploaded before it
        assertThat(h.refused(
                        new Command.FailTask("w2", g.taskId(), g.token(), "broken", false, BASE_MS, CAP_MS),
                        ErrorCode.STALE_LEASE))
                .isEqualTo(why);
        assertThat(h.refused(new Command.ReportProgress("w2", g.taskId(), g.token(), 50, "x"), ErrorCode.STALE_LEASE))
                .isEqualTo(why);
        assertThat(h.kv.dump()).isEqualTo(before);
        assertThat(task(h, g.taskId()).state()).isEqualTo(TaskState.LEASED);

        // The holder's own completion goes through.
        h.apply(completion(h, "w1", g, 4));
        assertThat(task(h, g.taskId()).state()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(task(h, g.taskId()).result().workerId()).isEqualTo("w1");
    }

    @Test
    void aLeaseCommandFromBeforeCommandsNamedTheirWorkerAppliesAsThen() {
        submit(h, 0, 1, 3);
        LeaseResult.Grant g = leaseOne(h, "w1");
        Command.CompleteTask named = completion(h, "w1", g, 4);

        h.apply(new Command.CompleteTask(null, g.taskId(), g.token(), named.resultSha256(), named.resultSize()));

        assertThat(task(h, g.taskId()).state()).isEqualTo(TaskState.SUCCEEDED);
    }

    @Test
    void staleTokensAreRefusedForCompleteFailAndProgressWithoutWrites() {
        long seq = submit(h, 0, 1, 3);
        LeaseResult.Grant g = leaseOne(h, "w1");
        String taskId = JobKeys.taskId(seq, 0);
        long old = g.token() - 1;
        // The current token is never told to whoever sent a wrong one (issue 11).
        String expected = "task " + taskId + " is leased under another token; token " + old + " is stale";
        Command.CompleteTask good = completion(h, g, 7);
        assertThat(h.refused(
                        new Command.CompleteTask("w1", taskId, old, good.resultSha256(), good.resultSize()),
                        ErrorCode.STALE_LEASE))
                .isEqualTo(expected);
        assertThat(h.refused(
                        new Command.FailTask("w1", taskId, old, "boom", false, BASE_MS, CAP_MS), ErrorCode.STALE_LEASE))
                .isEqualTo(expected);
        assertThat(h.refused(new Command.ReportProgress("w1", taskId, old, 10, "x"), ErrorCode.STALE_LEASE))
                .isEqualTo(expected);
        h.refused(
                new Command.CompleteTask("w1", "job-999.0", 5, good.resultSha256(), good.resultSize()),
                ErrorCode.NOT_FOUND);

        // Past its expiry the current token is stale too, before any ExpireLease is committed.
        h.advance(TTL_MS);
        assertThat(h.refused(good, ErrorCode.STALE_LEASE)).contains("expired at");
        assertThat(task(h, taskId).state()).isEqualTo(TaskState.LEASED);
    }

    @Test
    void completionCommitsTheResultOnceWithTheCurrentToken() {
        long seq = submit(h, 0, 1, 3);
        LeaseResult.Grant g = leaseOne(h, "w1");
        Command.CompleteTask done = completion(h, g, 7);
        h.refused(new Command.CompleteTask("w1", g.taskId(), g.token(), "ab".repeat(32), 10), ErrorCode.BLOB_MISSING);
        h.refused(
                new Command.CompleteTask("w1", g.taskId(), g.token(), done.resultSha256(), done.resultSize() + 1),
                ErrorCode.BAD_REQUEST);
        assertThat(h.apply(done).result()).isEqualTo(new LeaseResult.TaskUpdated(g.taskId(), TaskState.SUCCEEDED));
        TaskRecord t = task(h, g.taskId());
        assertThat(t.state()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(t.result().sha256()).isEqualTo(done.resultSha256());
        assertThat(t.result().size()).isEqualTo(done.resultSize());
        assertThat(t.result().token()).isEqualTo(g.token());
        assertThat(Blobs.sealed(h.kv, done.resultSha256()).refCount()).isEqualTo(1);
        assertThat(Tasks.job(h.kv, seq).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(h.refused(done, ErrorCode.STALE_LEASE)).contains("is SUCCEEDED, not leased");
        assertThat(TaskHistory.of(h.kv, seq, 0))
                .containsExactly(
                        new AttemptRecord("w1", g.token(), h.nowMs(), h.nowMs(), AttemptOutcome.SUCCEEDED, null));
    }

    @Test
    void getTaskShowsTheLiveLeaseThenTheResultTokenAndEveryAttempt() {
        long seq = submit(h, 0, 1, 3);
        String taskId = JobKeys.taskId(seq, 0);
        LeaseResult.Grant first = leaseOne(h, "w1");
        Response.TaskDetail leased = (Response.TaskDetail) h.core.query(new Request.GetTask(taskId, false), h.kv);
        assertThat(leased.jobId()).isEqualTo(JobKeys.jobId(seq));
        assertThat(leased.task().state()).isEqualTo(TaskState.LEASED);
        assertThat(leased.leaseToken()).isEqualTo(first.token());
        assertThat(leased.leaseExpiresAtMs()).isEqualTo(first.expiresAtMs());
        assertThat(leased.resultToken()).isZero();
        assertThat(leased.attempts()).isEmpty();

        h.advance(TTL_MS);
        h.apply(expire(first));
        h.advance(CAP_MS);
        LeaseResult.Grant second = leaseOne(h, "w2");
        h.apply(completion(h, second, 5));
        Response.TaskDetail done = (Response.TaskDetail) h.core.query(new Request.GetTask(taskId, true), h.kv);
        assertThat(done.task().state()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(done.maxAttempts()).isEqualTo(3);
        assertThat(done.leaseToken()).isZero();
        assertThat(done.resultToken()).isEqualTo(second.token());
        assertThat(done.attempts())
                .extracting(AttemptView::worker, AttemptView::token, AttemptView::outcome)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("w1", first.token(), AttemptOutcome.EXPIRED),
                        org.assertj.core.groups.Tuple.tuple("w2", second.token(), AttemptOutcome.SUCCEEDED));
        assertThat(h.core.query(new Request.GetTask(JobKeys.taskId(seq, 1), false), h.kv))
                .isInstanceOfSatisfying(
                        Response.ErrorReply.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThat(h.core.query(new Request.GetTask("job-x", false), h.kv))
                .isInstanceOfSatisfying(
                        Response.ErrorReply.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void progressIsStoredOnTheTask() {
        submit(h, 0, 1, 3);
        LeaseResult.Grant g = leaseOne(h, "w1");
        h.advance(500);
        h.apply(new Command.ReportProgress("w1", g.taskId(), g.token(), 40, "decoded"));
        assertThat(task(h, g.taskId()).progress().percent()).isEqualTo(40);
        assertThat(task(h, g.taskId()).progress().message()).isEqualTo("decoded");
        assertThat(task(h, g.taskId()).progress().reportedAtMs()).isEqualTo(h.nowMs());
        h.refused(new Command.ReportProgress("w1", g.taskId(), g.token(), 101, "x"), ErrorCode.BAD_REQUEST);
        h.refused(new Command.ReportProgress("w1", g.taskId(), g.token(), 5, "x".repeat(257)), ErrorCode.BAD_REQUEST);
    }

    /** Backoff delays are a pure function of (task, attempt, base, cap): pinned so a change is noticed. */
    @Test
    void backoffIsExponentialCappedAndDeterministicallyJittered() {
        assertThat(Backoff.delayMs(7, 0, 1, 1_000, 60_000)).isEqualTo(EXPECTED_7_0_1);
        assertThat(Backoff.delayMs(7, 0, 1, 1_000, 60_000)).isBetween(500L, 1_000L);
        assertThat(Backoff.delayMs(7, 0, 3, 1_000, 60_000)).isBetween(2_000L, 4_000L);
        assertThat(Backoff.delayMs(7, 0, 100, 1_000, 60_000)).isBetween(30_000L, 60_000L);
        assertThat(Backoff.delayMs(7, 0, 2, 0, 60_000)).isZero();
        assertThat(Backoff.delayMs(7, 1, 1, 1_000, 60_000)).isNotEqualTo(Backoff.delayMs(7, 2, 1, 1_000, 60_000));
    }

    private static final long EXPECTED_7_0_1 = 598;

    @Test
    void expiryBacksOffRedispatchesAfterNotBeforeAndEndsDeadWithHistory() {
        long seq = submit(h, 0, 1, 2);
        String taskId = JobKeys.taskId(seq, 0);
        LeaseResult.Grant first = leaseOne(h, "w1");

        // Not due yet: the leader proposes nothing, and an early ExpireLease is a no-op.
        h.advance(TTL_MS - 1);
        assertThat(h.core.dueLeaseCommands(h.nowMs(), h.kv, 10, BASE_MS, CAP_MS))
                .isEmpty();
        assertThat(h.apply(expire(first)).result()).isEqualTo(new LeaseResult.Expired(taskId, false, TaskState.LEASED));
        assertThat(h.lastWrites()).isZero();

        h.advance(1);
        assertThat(h.core.dueLeaseCommands(h.nowMs(), h.kv, 10, BASE_MS, CAP_MS))
                .containsExactly(expire(first));
        assertThat(h.apply(expire(first)).result()).isEqualTo(new LeaseResult.Expired(taskId, true, TaskState.PENDING));
        long delay = Backoff.delayMs(seq, 0, 1, BASE_MS, CAP_MS);
        assertThat(delay).isBetween(BASE_MS / 2, BASE_MS);
        TaskRecord waiting = task(h, taskId);
        assertThat(waiting.notBeforeMs()).isEqualTo(h.nowMs() + delay);
        assertThat(waiting.attempts()).isEqualTo(1);
        assertThat(waiting.error()).contains("expired at");
        assertThat(h.core.nextBackoffEndMs(h.kv)).isEqualTo(h.nowMs() + delay);

        // The same expiry again (a retried proposal) changes nothing.
        assertThat(h.apply(expire(first)).result())
                .isEqualTo(new LeaseResult.Expired(taskId, false, TaskState.PENDING));

        h.advance(delay - 1);
        assertThat(lease(h, "w2", 5)).isEmpty();
        h.advance(1);
        LeaseResult.Grant second = leaseOne(h, "w2");
        assertThat(second.taskId()).isEqualTo(taskId);
        assertThat(task(h, taskId).attempts()).isEqualTo(2);

        // The first holder comes back from a pause: its completion is stale.
        h.refused(completion(h, first, 3), ErrorCode.STALE_LEASE);

        h.advance(TTL_MS);
        assertThat(h.apply(expire(second)).result()).isEqualTo(new LeaseResult.Expired(taskId, true, TaskState.DEAD));
        TaskRecord dead = task(h, taskId);
        assertThat(dead.error()).startsWith("gave up after 2 of 2 attempts; last error: lease of worker 'w2'");
        assertThat(Tasks.job(h.kv, seq).state()).isEqualTo(JobState.DEAD);
        TaskDetail detail = h.core.taskDetail(h.kv, taskId);
        assertThat(detail.maxAttempts()).isEqualTo(2);
        assertThat(detail.history())
                .extracting(AttemptRecord::workerId, AttemptRecord::token, AttemptRecord::outcome)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("w1", first.token(), AttemptOutcome.EXPIRED),
                        org.assertj.core.groups.Tuple.tuple("w2", second.token(), AttemptOutcome.EXPIRED));
        assertThat(h.core.counters(h.kv).leasesExpired()).isEqualTo(2);
        assertThat(h.core.counters(h.kv).tasksDeadLettered()).isEqualTo(1);
    }

    @Test
    void failuresAreFinalOrRetriedByTheirKind() {
        long seq = submit(h, 0, 2, 3);
        LeaseResult.Grant a = leaseOne(h, "w1");
        LeaseResult.Grant b = leaseOne(h, "w1");
        h.apply(new Command.FailTask("w1", a.taskId(), a.token(), "not an image", false, BASE_MS, CAP_MS));
        assertThat(task(h, a.taskId()).state()).isEqualTo(TaskState.FAILED);
        assertThat(task(h, a.taskId()).error()).isEqualTo("not an image");
        h.apply(new Command.FailTask("w1", b.taskId(), b.token(), "disk full", true, BASE_MS, CAP_MS));
        TaskRecord retried = task(h, b.taskId());
        assertThat(retried.state()).isEqualTo(TaskState.PENDING);
        assertThat(retried.notBeforeMs()).isEqualTo(h.nowMs() + Backoff.delayMs(seq, 1, 1, BASE_MS, CAP_MS));
        assertThat(h.kv.size(Space.BACKOFF)).isEqualTo(1);
        assertThat(h.kv.size(Space.PENDING)).isZero();
    }

    @Test
    void retryPutsDeadAndFailedTasksBack() {
        long seq = submit(h, 0, 3, 1);
        LeaseResult.Grant a = leaseOne(h, "w1");
        LeaseResult.Grant b = leaseOne(h, "w1");
        LeaseResult.Grant c = leaseOne(h, "w1");
        h.apply(new Command.FailTask("w1", a.taskId(), a.token(), "bad", false, BASE_MS, CAP_MS));
        h.apply(new Command.FailTask("w1", b.taskId(), b.token(), "flaky", true, BASE_MS, CAP_MS));
        h.apply(completion(h, c, 1));
        assertThat(task(h, b.taskId()).state()).isEqualTo(TaskState.DEAD);
        assertThat(Tasks.job(h.kv, seq).state()).isEqualTo(JobState.DEAD);

        h.refused(new Command.RetryTasks("job-999"), ErrorCode.NOT_FOUND);
        h.refused(new Command.RetryTasks(JobKeys.taskId(seq, 9)), ErrorCode.NOT_FOUND);
        assertThat(h.apply(new Command.RetryTasks(b.taskId())).result()).isEqualTo(new LeaseResult.Retried(1));
        assertThat(task(h, b.taskId()).state()).isEqualTo(TaskState.PENDING);
        assertThat(task(h, b.taskId()).attempts()).isZero();
        assertThat(task(h, b.taskId()).notBeforeMs()).isZero();
        assertThat(TaskHistory.of(h.kv, seq, 1)).hasSize(1);

        assertThat(h.apply(new Command.RetryTasks(JobKeys.jobId(seq))).result()).isEqualTo(new LeaseResult.Retried(1));
        assertThat(task(h, a.taskId()).state()).isEqualTo(TaskState.PENDING);
        assertThat(task(h, c.taskId()).state()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(Tasks.job(h.kv, seq).state()).isEqualTo(JobState.LEASED);
        assertThat(Tasks.job(h.kv, seq).finishedAtMs()).isZero();
        assertThat(lease(h, "w2", 5)).extracting(LeaseResult.Grant::taskId).containsExactly(a.taskId(), b.taskId());
        assertThat(h.apply(new Command.RetryTasks(JobKeys.jobId(seq))).result()).isEqualTo(new LeaseResult.Retried(0));
    }

    @Test
    void cancelRevokesLeasesAndALateCompletionIsStale() {
        long seq = submit(h, 0, 2, 3);
        LeaseResult.Grant g = leaseOne(h, "w1");
        Command.CompleteTask late = completion(h, g, 2);
        Applied cancelled = h.apply(new Command.CancelJob(JobKeys.jobId(seq)));
        assertThat(cancelled.events()).containsExactly(new Event.LeaseRevoked(g.taskId(), "w1", g.token()));
        assertThat(task(h, g.taskId()).state()).isEqualTo(TaskState.CANCELLED);
        assertThat(Tasks.job(h.kv, seq).state()).isEqualTo(JobState.CANCELLED);
        assertThat(h.core.leasesOf(h.kv, "w1")).isEmpty();
        assertThat(h.refused(late, ErrorCode.STALE_LEASE)).contains("is CANCELLED, not leased");
        assertThat(h.refused(new Command.RetryTasks(JobKeys.jobId(seq)), ErrorCode.CONFLICT))
                .contains("cancelled");
        assertThat(h.core.taskDetail(h.kv, g.taskId()).history())
                .extracting(AttemptRecord::outcome)
                .containsExactly(AttemptOutcome.CANCELLED);
    }

    @Test
    void aNewLeaderExtendsEveryLiveLeaseByTheGrace() {
        submit(h, 0, 2, 3);
        LeaseResult.Grant early = leaseOne(h, "w1");
        h.advance(20_000);
        LeaseResult.Grant late = leaseOne(h, "w2");
        // The election took a while: early's lease lapsed meanwhile, but no expiry was committed.
        h.advance(TTL_MS + 1);
        Applied applied = h.apply(new Command.ExtendAllLeases(15_000));
        assertThat(applied.result()).isEqualTo(new LeaseResult.AllExtended(2, h.nowMs() + 15_000));
        assertThat(task(h, early.taskId()).lease().expiresAtMs()).isEqualTo(h.nowMs() + 15_000);
        assertThat(task(h, late.taskId()).lease().expiresAtMs()).isEqualTo(h.nowMs() + 15_000);
        assertThat(h.core.dueLeaseCommands(h.nowMs() + 14_999, h.kv, 10, BASE_MS, CAP_MS))
                .isEmpty();
        // A lease that already outlasts the grace keeps its expiry.
        extend(h, "w2", LeaseTestSupport.TTL_MS, ref(late));
        long lateUntil = task(h, late.taskId()).lease().expiresAtMs();
        assertThat(h.apply(new Command.ExtendAllLeases(20_000)).result())
                .isEqualTo(new LeaseResult.AllExtended(1, h.nowMs() + 20_000));
        assertThat(task(h, early.taskId()).lease().expiresAtMs()).isEqualTo(h.nowMs() + 20_000);
        assertThat(task(h, late.taskId()).lease().expiresAtMs()).isEqualTo(lateUntil);
        // The holder's token still works.
        h.apply(completion(h, early, 4));
        assertThat(task(h, early.taskId()).state()).isEqualTo(TaskState.SUCCEEDED);
    }

    @Test
    void releaseGivesTasksBackWithoutCountingTheAttempt() {
        long seq = submit(h, 0, 2, 3);
        List<LeaseResult.Grant> grants = lease(h, "w1", 2);
        LeaseResult.Leases answer = (LeaseResult.Leases) h.apply(new Command.ReleaseLeases(
                        "w1",
                        List.of(
                                ref(grants.get(0)),
                                new Command.LeaseRef(grants.get(1).taskId(), 1))))
                .result();
        assertThat(answer.accepted())
                .containsExactly(new LeaseResult.LeaseState(
                        grants.get(0).taskId(), grants.get(0).token(), 0));
        assertThat(answer.stale()).hasSize(1);
        TaskRecord released = task(h, grants.get(0).taskId());
        assertThat(released.state()).isEqualTo(TaskState.PENDING);
        assertThat(released.attempts()).isZero();
        assertThat(released.notBeforeMs()).isZero();
        assertThat(TaskHistory.of(h.kv, seq, 0))
                .extracting(AttemptRecord::outcome)
                .containsExactly(AttemptOutcome.RELEASED);
        assertThat(leaseOne(h, "w2").taskId()).isEqualTo(released.id());
    }

    @Test
    void historyKeepsTheLastAttempts() {
        long seq = submit(h, 0, 1, 100);
        long firstKept = 0;
        for (int i = 0; i < TaskHistory.MAX_ATTEMPTS_KEPT + 5; i++) {
            LeaseResult.Grant g = lease(h, "w1", 1).get(0);
            firstKept = i == 5 ? g.token() : firstKept;
            h.advance(TTL_MS);
            h.apply(new Command.ExpireLease(g.taskId(), g.token(), 0, 0));
        }
        List<AttemptRecord> history = TaskHistory.of(h.kv, seq, 0);
        assertThat(history).hasSize(TaskHistory.MAX_ATTEMPTS_KEPT);
        assertThat(history.get(0).token()).isEqualTo(firstKept);
        assertThat(task(h, JobKeys.taskId(seq, 0)).attempts()).isEqualTo(TaskHistory.MAX_ATTEMPTS_KEPT + 5);
    }

    @Test
    void collectingAJobReleasesResultsAndDropsHistories() {
        long seq = submit(h, 0, 1, 3);
        LeaseResult.Grant g = leaseOne(h, "w1");
        Command.CompleteTask done = completion(h, g, 5);
        h.apply(done);
        h.advance(10_000);
        h.apply(new Command.CollectGarbage(1_000, 1_000_000, 1_000_000, 100));
        assertThat(Tasks.job(h.kv, seq)).isNull();
        assertThat(h.kv.size(Space.TASK_ATTEMPTS)).isZero();
        assertThat(Blobs.sealed(h.kv, done.resultSha256()).refCount()).isZero();
        StateInvariants.check(h.kv, h.core);
    }

    @Test
    void badLeaseCommandsAreRefusedWithTheirLimits() {
        h.refused(new Command.LeaseTasks("w", 0, TTL_MS), ErrorCode.BAD_REQUEST);
        h.refused(new Command.LeaseTasks("w", 1_001, TTL_MS), ErrorCode.BAD_REQUEST);
        h.refused(new Command.LeaseTasks("w", 1, 999), ErrorCode.BAD_REQUEST);
        h.refused(new Command.LeaseTasks("w", 1, 3_600_001), ErrorCode.BAD_REQUEST);
        h.refused(new Command.LeaseTasks("w\0x", 1, TTL_MS), ErrorCode.BAD_REQUEST);
        h.refused(new Command.ExtendLeases("w", null, TTL_MS), ErrorCode.BAD_REQUEST);
        h.refused(
                new Command.ExtendLeases("w", List.of(new Command.LeaseRef("job-1.0", 0)), TTL_MS),
                ErrorCode.BAD_REQUEST);
        h.refused(new Command.ExpireLease("job-1.0", 1, 2_000, 1_000), ErrorCode.BAD_REQUEST);
        h.refused(new Command.FailTask("w1", "job-1.0", 1, " ", false, 0, 0), ErrorCode.BAD_REQUEST);
        h.refused(new Command.CompleteTask("w1", "job-1.0", 1, "nope", 1), ErrorCode.BAD_REQUEST);
        h.refused(new Command.ExtendAllLeases(0), ErrorCode.BAD_REQUEST);
        h.refused(new Command.RetryTasks(""), ErrorCode.BAD_REQUEST);
    }

    @Test
    void aSubmissionWithGrantsLeasesInItsOwnEntryQueueOrderFirst() {
        long older = submit(h, 0, 1, 3);
        ImageRef image = h.image("img.png", CoreHarness.png(64, 1));
        long index = h.nextIndex();
        Applied applied = h.apply(new Command.SubmitAndLease(
                new Command.SubmitJob(List.of(image, image, image), List.of("thumbnail:128"), 0, 3, Map.of(), null),
                List.of(new Command.LeaseTasks("w1", 1, TTL_MS), new Command.LeaseTasks("w2", 2, TTL_MS))));

        long seq = JobKeys.parseJobId(((Response.JobSubmitted) applied.reply()).jobId());
        Map<String, List<LeaseResult.Grant>> grants = ((LeaseResult.SubmittedAndGranted) applied.result()).byWorker();
        assertThat(grants.keySet()).containsExactly("w1", "w2");
        // The queue decides, not the submission: the older job's task goes first.
        assertThat(grants.get("w1")).extracting(LeaseResult.Grant::taskId).containsExactly(JobKeys.taskId(older, 0));
        assertThat(grants.get("w2"))
                .extracting(LeaseResult.Grant::taskId)
                .containsExactly(JobKeys.taskId(seq, 0), JobKeys.taskId(seq, 1));
        assertThat(grants.values().stream().flatMap(List::stream)).allSatisfy(g -> {
            assertThat(g.token()).isEqualTo(index);
            assertThat(g.expiresAtMs()).isEqualTo(h.nowMs() + TTL_MS);
        });
        assertThat(task(h, JobKeys.taskId(seq, 1)).lease().workerId()).isEqualTo("w2");
        assertThat(task(h, JobKeys.taskId(seq, 2)).state()).isEqualTo(TaskState.PENDING);
        assertThat(h.core.counters(h.kv).leasesGranted()).isEqualTo(3);
    }

    @Test
    void aSubmissionWithGrantsForMoreSlotsThanTasksGrantsWhatThereIs() {
        ImageRef image = h.image("img.png", CoreHarness.png(64, 1));
        Applied applied = h.apply(new Command.SubmitAndLease(
                new Command.SubmitJob(List.of(image), List.of("thumbnail:128"), 0, 3, Map.of(), null),
                List.of(new Command.LeaseTasks("w1", 4, TTL_MS), new Command.LeaseTasks("w2", 4, TTL_MS))));

        Map<String, List<LeaseResult.Grant>> grants = ((LeaseResult.SubmittedAndGranted) applied.result()).byWorker();
        assertThat(grants.get("w1")).hasSize(1);
        assertThat(grants.get("w2")).isEmpty();
    }

    @Test
    void aRefusedSubmissionGrantsNothingAndWritesNothing() {
        submit(h, 0, 1, 3);
        ImageRef missing = new ImageRef("gone.png", CoreHarness.sha256(new byte[] {1, 2, 3}), 3);
        String error = h.refused(
                new Command.SubmitAndLease(
                        new Command.SubmitJob(List.of(missing), List.of("thumbnail:128"), 0, 3, Map.of(), null),
                        List.of(new Command.LeaseTasks("w1", 1, TTL_MS))),
                ErrorCode.BLOB_MISSING);
        assertThat(error).contains("gone.png");
        assertThat(h.lastWrites()).isZero();
        assertThat(h.core.counters(h.kv).leasesGranted()).isZero();
    }

    @Test
    void aSubmissionWithGrantsIsValidatedWhole() {
        ImageRef image = h.image("img.png", CoreHarness.png(64, 1));
        Command.SubmitJob job = new Command.SubmitJob(List.of(image), List.of("thumbnail:128"), 0, 3, Map.of(), null);
        assertThat(h.refused(new Command.SubmitAndLease(job, List.of()), ErrorCode.BAD_REQUEST))
                .contains("at least one");
        assertThat(h.refused(
                        new Command.SubmitAndLease(
                                job,
                                List.of(
                                        new Command.LeaseTasks("w1", 1, TTL_MS),
                                        new Command.LeaseTasks("w1", 1, TTL_MS))),
                        ErrorCode.BAD_REQUEST))
                .contains("named twice");
        assertThat(h.refused(
                        new Command.SubmitAndLease(job, List.of(new Command.LeaseTasks("w1", 0, TTL_MS))),
                        ErrorCode.BAD_REQUEST))
                .contains("maxTasks");
        assertThat(h.refused(
                        new Command.SubmitAndLease(null, List.of(new Command.LeaseTasks("w1", 1, TTL_MS))),
                        ErrorCode.BAD_REQUEST))
                .contains("submission");
        assertThat(h.core.counters(h.kv).leasesGranted()).isZero();
    }
}
