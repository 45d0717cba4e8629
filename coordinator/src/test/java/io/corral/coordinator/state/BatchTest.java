package io.corral.coordinator.state;

import static io.corral.coordinator.state.CoreHarness.job;
import static io.corral.coordinator.state.CoreHarness.png;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.coordinator.state.jobs.JobKeys;
import io.corral.coordinator.state.jobs.TaskRecord;
import io.corral.coordinator.state.jobs.Tasks;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.ImageRef;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Several commands in one entry ({@link Command.Batch}): each applies as if alone, and ids never collide. */
class BatchTest {
    private static final long TTL_MS = 30_000;

    private static List<Response> replies(Applied applied) {
        return applied.parts().stream().map(Applied::reply).toList();
    }

    private static String jobId(Response reply) {
        assertThat(reply).isInstanceOf(Response.JobSubmitted.class);
        return ((Response.JobSubmitted) reply).jobId();
    }

    private static List<LeaseResult.Grant> lease(CoreHarness h, String worker, int max) {
        return ((LeaseResult.Granted)
                        h.apply(new Command.LeaseTasks(worker, max, TTL_MS)).result())
                .grants();
    }

    private static TaskRecord task(CoreHarness h, String taskId) {
        JobKeys.TaskRef ref = JobKeys.parseTaskId(taskId);
        return Tasks.get(h.kv, ref.seq(), ref.index());
    }

    /**
     * A job's id was the index of its submission's entry: two submissions in one entry would have had the same one.
     * They take consecutive numbers from the index on, and the next entry's submission continues after them.
     */
    @Test
    void submissionsInOneEntryGetDistinctIdsAndTheNextEntryContinuesAfterThem() {
        CoreHarness h = new CoreHarness();
        ImageRef image = h.image("a.png", png(64, 1));
        long index = h.nextIndex();

        Applied batch = h.apply(
                new Command.Batch(List.of(job(List.of(image)), job(List.of(image, image)), job(List.of(image)))));
        String next = jobId(h.reply(job(List.of(image))));

        assertThat(replies(batch).stream().map(BatchTest::jobId))
                .containsExactly("job-" + index, "job-" + (index + 1), "job-" + (index + 2));
        assertThat(next).isEqualTo("job-" + (index + 3));
        assertThat(h.query(new Request.GetJob("job-" + (index + 1), false)))
                .isInstanceOfSatisfying(
                        Response.JobDetail.class,
                        d -> assertThat(d.job().counts()).containsEntry(TaskState.PENDING, 2));
    }

    /**
     * The commands of a batch share keys: the job and task counters, the blob record of the image they name, the job
     * sequence. Each reaches the store once per entry, with its last value, rather than once per command.
     */
    @Test
    void aBatchOfSubmissionsSharingAnImageWritesEachKeyOnce() {
        CoreHarness h = new CoreHarness();
        ImageRef image = h.image("a.png", png(64, 1));
        h.reply(job(List.of(image)));
        Map<?, Map<String, String>> before = h.kv.dump();

        List<Command> jobs = new ArrayList<>(Collections.nCopies(32, job(List.of(image))));
        h.apply(new Command.Batch(jobs));

        Map<?, Map<String, String>> after = h.kv.dump();
        int changed = 0;
        for (Object space : after.keySet()) {
            Set<String> keys = new HashSet<>(before.get(space).keySet());
            keys.addAll(after.get(space).keySet());
            for (String key : keys) {
                if (!java.util.Objects.equals(
                        before.get(space).get(key), after.get(space).get(key))) {
                    changed++;
                }
            }
        }
        // Per job: its record, its by-state entry, its task and its pending entry (4 x 32); then the counters of
        // PENDING jobs and tasks, the image's blob record and the sequence, once each (256 writes, one per command).
        assertThat(h.lastWrites()).isEqualTo(changed).isEqualTo(32 * 4 + 4);
    }

    /** An entry of one submission keeps the id it always had (the index): replaying an old log gives the same ids. */
    @Test
    void aSubmissionAloneInItsEntryIsNamedAfterTheEntrysIndex() {
        CoreHarness h = new CoreHarness();
        ImageRef image = h.image("a.png", png(64, 1));
        h.skipIndexes(41);
        long index = h.nextIndex();

        assertThat(jobId(h.reply(job(List.of(image))))).isEqualTo("job-" + index);
    }

    /** Ids are never handed out twice, even after the jobs that held the highest ones are deleted. */
    @Test
    void aDeletedJobsIdIsNotHandedOutAgain() {
        CoreHarness h = new CoreHarness();
        ImageRef image = h.image("a.png", png(64, 1));
        Applied batch = h.apply(new Command.Batch(Collections.nCopies(5, job(List.of(image)))));
        Set<String> ids =
                new HashSet<>(replies(batch).stream().map(BatchTest::jobId).toList());
        for (String id : ids) {
            h.apply(new Command.CancelJob(id));
        }
        h.advance(10_000);
        h.apply(new Command.CollectGarbage(1, 1, 1, 100));
        assertThat(h.query(new Request.GetJob(jobId(replies(batch).get(4)), false)))
                .isInstanceOf(Response.ErrorReply.class);

        String next = jobId(h.reply(job(List.of(image))));

        assertThat(ids).doesNotContain(next);
    }

    /** One refused command changes nothing and the others still apply; replies come back in order. */
    @Test
    void aRefusedCommandIsRefusedAloneAndTheOthersApply() {
        CoreHarness h = new CoreHarness();
        ImageRef image = h.image("a.png", png(64, 1));
        String job = jobId(h.reply(job(List.of(image, image))));
        List<LeaseResult.Grant> grants = lease(h, "w1", 2);
        LeaseResult.Grant first = grants.get(0);
        LeaseResult.Grant second = grants.get(1);
        byte[] result = png(96, 7);
        String resultSha = h.upload(result);

        Applied batch = h.apply(new Command.Batch(List.of(
                new Command.CompleteTask("w1", first.taskId(), first.token(), resultSha, result.length),
                new Command.CompleteTask("w1", second.taskId(), second.token() + 1, resultSha, result.length),
                new Command.SubmitJob(
                        List.of(new ImageRef("missing.png", "ee".repeat(32), 10)),
                        List.of("thumbnail:8"),
                        0,
                        3,
                        Map.of(),
                        null),
                new Command.ReportProgress("w1", second.taskId(), second.token(), 40, "half"))));

        List<Response> replies = replies(batch);
        assertThat(replies).hasSize(4);
        assertThat(replies.get(0)).isEqualTo(new Response.Ack());
        assertThat(batch.parts().get(0).result())
                .isEqualTo(new LeaseResult.TaskUpdated(first.taskId(), TaskState.SUCCEEDED));
        assertThat(replies.get(1)).isInstanceOfSatisfying(Response.ErrorReply.class, e -> assertThat(e.code())
                .isEqualTo(ErrorCode.STALE_LEASE));
        assertThat(replies.get(2)).isInstanceOf(Response.ErrorReply.class);
        assertThat(task(h, first.taskId()).state()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(task(h, second.taskId()).state()).isEqualTo(TaskState.LEASED);
        assertThat(task(h, second.taskId()).progress().percent()).isEqualTo(40);
        assertThat(job).isNotNull();
    }

    /**
     * A lock's token is the index of the entry that granted it, so two lock grants in one entry could share a token: a
     * batch that holds one (or any command that may not share an entry) is refused whole and changes nothing.
     */
    @Test
    void aBatchWithACommandThatMayNotShareAnEntryIsRefusedWhole() {
        CoreHarness h = new CoreHarness();
        ImageRef image = h.image("a.png", png(64, 1));
        h.reply(job(List.of(image)));
        Map<?, ?> before = h.kv.dump();

        Applied batch = h.apply(new Command.Batch(List.of(
                job(List.of(image)),
                new Command.AcquireLock("l", "me", 1_000, 0),
                new Command.Batch(List.of(new Command.Probe("n1"))))));

        assertThat(replies(batch)).hasSize(3).allSatisfy(r -> assertThat(r)
                .isInstanceOfSatisfying(Response.ErrorReply.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
                    assertThat(e.message()).contains("commands[1]: AcquireLock cannot share an entry");
                }));
        assertThat(h.kv.dump()).isEqualTo(before);
    }

    private static List<LeaseResult.Grant> grants(Applied part) {
        return ((LeaseResult.Granted) part.result()).grants();
    }

    /**
     * A lease's fencing token was the index of the entry that granted it: two grants in one entry would have shared
     * one. Each grant of a batch takes its own token from the index on, every task of one grant shares it, and the next
     * entry's grant continues after them.
     */
    @Test
    void grantsInOneEntryGetDistinctTokensAndTheNextEntryContinuesAfterThem() {
        CoreHarness h = new CoreHarness();
        ImageRef image = h.image("a.png", png(64, 1));
        h.reply(job(Collections.nCopies(8, image)));
        long index = h.nextIndex();

        Applied batch = h.apply(new Command.Batch(List.of(
                new Command.LeaseTasks("w1", 2, TTL_MS),
                new Command.LeaseTasks("w2", 3, TTL_MS),
                new Command.LeaseTasks("w3", 1, TTL_MS))));
        List<LeaseResult.Grant> next = lease(h, "w4", 1);

        assertThat(grants(batch.parts().get(0))).hasSize(2).allSatisfy(g -> assertThat(g.token())
                .isEqualTo(index));
        assertThat(grants(batch.parts().get(1))).hasSize(3).allSatisfy(g -> assertThat(g.token())
                .isEqualTo(index + 1));
        assertThat(grants(batch.parts().get(2))).singleElement().satisfies(g -> assertThat(g.token())
                .isEqualTo(index + 2));
        assertThat(next).singleElement().satisfies(g -> assertThat(g.token()).isEqualTo(index + 3));
        Set<String> tasks = new HashSet<>();
        batch.parts().forEach(p -> grants(p).forEach(g -> tasks.add(g.taskId())));
        assertThat(tasks).hasSize(6);
        assertThat(task(h, grants(batch.parts().get(1)).get(0).taskId()).lease().token())
                .isEqualTo(index + 1);
    }

    /**
     * An entry of one grant gives the token it always gave (the index), whatever grants in batches handed out before,
     * as long as they did not reach it: replaying an old log gives the same tokens. A grant that finds nothing pending
     * takes no token.
     */
    @Test
    void aGrantAloneInItsEntryTakesTheEntrysIndex() {
        CoreHarness h = new CoreHarness();
        ImageRef image = h.image("a.png", png(64, 1));
        assertThat(lease(h, "w0", 1)).isEmpty();
        h.reply(job(List.of(image, image)));
        h.skipIndexes(41);
        long index = h.nextIndex();

        assertThat(lease(h, "w1", 2)).hasSize(2).allSatisfy(g -> assertThat(g.token())
                .isEqualTo(index));
    }

    /** A task leased, released and leased again in one entry gets a new token: tokens order a task's holders. */
    @Test
    void aTaskGrantedTwiceInOneEntryGetsTwoTokens() {
        CoreHarness h = new CoreHarness();
        ImageRef image = h.image("a.png", png(64, 1));
        h.reply(job(List.of(image)));
        LeaseResult.Grant first = lease(h, "w1", 1).get(0);
        long index = h.nextIndex();

        Applied batch = h.apply(new Command.Batch(List.of(
                new Command.ReleaseLeases("w1", List.of(new Command.LeaseRef(first.taskId(), first.token()))),
                new Command.LeaseTasks("w2", 1, TTL_MS),
                new Command.ReleaseLeases("w2", List.of(new Command.LeaseRef(first.taskId(), index))),
                new Command.LeaseTasks("w3", 1, TTL_MS))));

        long second = grants(batch.parts().get(1)).get(0).token();
        long third = grants(batch.parts().get(3)).get(0).token();
        assertThat(second).isEqualTo(index).isGreaterThan(first.token());
        assertThat(third).isEqualTo(index + 1);
        assertThat(task(h, first.taskId()).lease().workerId()).isEqualTo("w3");
        assertThat(task(h, first.taskId()).lease().token()).isEqualTo(third);
    }

    @Test
    void anEmptyOrOversizedBatchIsRefused() {
        CoreHarness h = new CoreHarness();
        Map<?, ?> before = h.kv.dump();

        assertThat(h.apply(new Command.Batch(List.of())).parts()).isEmpty();
        Applied big = h.apply(
                new Command.Batch(Collections.nCopies(CoreLimits.MAX_COMMANDS_PER_BATCH + 1, new Command.Probe("n1"))));

        assertThat(replies(big)).allSatisfy(r -> assertThat(((Response.ErrorReply) r).message())
                .contains("at most " + CoreLimits.MAX_COMMANDS_PER_BATCH));
        assertThat(h.kv.dump()).isEqualTo(before);
        assertThat(Command.Batch.batchable(new Command.LeaseTasks("w1", 1, TTL_MS)))
                .isTrue();
        assertThat(Command.Batch.batchable(new Command.ExtendAllLeases(1_000))).isFalse();
        assertThat(Command.Batch.batchable(new Command.AcquireLock("l", "me", 1_000, 0)))
                .isFalse();
        assertThat(Command.Batch.batchable(new Command.PutChunk("a".repeat(64), 1, 0, 1, new byte[1])))
                .isFalse();
    }

    /**
     * A worker's reports, applied as one batch, leave the state they leave applied one entry each: a random mix of
     * completions, failures, progress, heartbeats and cancellations, against the same state, compared key by key.
     */
    @Test
    void reportsInOneEntryLeaveTheStateTheyLeaveOneEntryEach() {
        for (int seed = 1; seed <= 20; seed++) {
            CoreHarness alone = new CoreHarness();
            CoreHarness together = new CoreHarness();
            List<Command> reports = null;
            for (CoreHarness h : List.of(alone, together)) {
                ImageRef image = h.image("a.png", png(64, 1));
                List<String> jobs = new ArrayList<>();
                for (int j = 0; j < 4; j++) {
                    jobs.add(jobId(h.reply(job(List.of(image, image, image)))));
                }
                List<LeaseResult.Grant> grants = lease(h, "w1", 12);
                byte[] result = png(96, 3);
                String sha = h.upload(result);
                reports = randomReports(new Random(seed), grants, jobs, sha, result.length);
            }
            for (Command report : reports) {
                alone.apply(report);
                // Keep the indexes in step: the batch below is one entry, these are many.
            }
            together.skipIndexes(reports.size() - 1);
            together.apply(new Command.Batch(reports));

            assertThat(together.kv.dump()).as("seed %d", seed).isEqualTo(alone.kv.dump());
        }
    }

    private static List<Command> randomReports(
            Random random, List<LeaseResult.Grant> grants, List<String> jobs, String sha, long size) {
        List<Command> out = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            LeaseResult.Grant g = grants.get(random.nextInt(grants.size()));
            switch (random.nextInt(5)) {
                case 0 -> out.add(new Command.CompleteTask("w1", g.taskId(), g.token(), sha, size));
                case 1 ->
                    out.add(new Command.FailTask(
                            "w1", g.taskId(), g.token(), "boom", random.nextBoolean(), 1_000, 60_000));
                case 2 -> out.add(new Command.ReportProgress("w1", g.taskId(), g.token(), random.nextInt(101), "p"));
                case 3 ->
                    out.add(new Command.ExtendLeases(
                            "w1", List.of(new Command.LeaseRef(g.taskId(), g.token())), TTL_MS));
                default -> out.add(new Command.CancelJob(jobs.get(random.nextInt(jobs.size()))));
            }
        }
        return out;
    }
}
