package io.corral.coordinator.state.jobs;

import io.corral.coordinator.state.Caller;
import io.corral.coordinator.state.Codec;
import io.corral.coordinator.state.kv.Keys;
import io.corral.coordinator.state.kv.KvView;
import io.corral.coordinator.state.kv.Space;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.JobState;
import io.corral.protocol.JobSummary;
import io.corral.protocol.JobView;
import io.corral.protocol.Limits;
import io.corral.protocol.Response;
import io.corral.protocol.TaskView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Read-only answers about jobs. */
public final class JobQueries {
    private JobQueries() {}

    public static Response get(KvView view, String jobId, Caller caller) {
        long seq = JobKeys.parseJobId(jobId);
        JobRecord job = seq < 0 ? null : Tasks.job(view, seq);
        if (job == null) {
            return new Response.ErrorReply(ErrorCode.NOT_FOUND, "no job '" + jobId + "'");
        }
        Response refusal = JobRules.readRefusal(caller, job);
        return refusal != null ? refusal : new Response.JobDetail(view(view, job));
    }

    /**
     * Jobs newest first, all of them or those in {@code state} (null for all), older than job {@code before} when it is
     * not null (paging: the last id of the previous page). A caller that may not see every job lists its tenant's.
     */
    public static Response list(KvView view, JobState state, int limit, String before, Caller caller) {
        if (limit < 1 || limit > Limits.MAX_LIST_LIMIT) {
            return new Response.ErrorReply(
                    ErrorCode.BAD_REQUEST, "limit must be between 1 and " + Limits.MAX_LIST_LIMIT + ", got " + limit);
        }
        long beforeSeq = before == null ? -1 : JobKeys.parseJobId(before);
        if (before != null && beforeSeq < 0) {
            return new Response.ErrorReply(
                    ErrorCode.BAD_REQUEST, "before must be a job id such as job-17, got '" + before + "'");
        }
        if (!caller.seesAll()) {
            return new Response.JobList(listOwned(view, caller.tenant(), state, limit, beforeSeq));
        }
        List<JobSummary> jobs = new ArrayList<>();
        if (state == null) {
            view.scan(Space.JOBS, null, beforeSeq < 0 ? null : JobKeys.job(beforeSeq), true, (key, value) -> {
                jobs.add(Codec.decode(value, JobRecord.class).summary());
                return jobs.size() < limit;
            });
        } else {
            byte[] prefix = JobKeys.byStatePrefix(state);
            List<Long> seqs = new ArrayList<>();
            byte[] end = beforeSeq < 0 ? Keys.prefixEnd(prefix) : JobKeys.byState(state, beforeSeq);
            view.scan(Space.JOBS_BY_STATE, prefix, end, true, (key, value) -> {
                seqs.add(Keys.readU64(key, prefix.length));
                return seqs.size() < limit;
            });
            for (long seq : seqs) {
                jobs.add(requireJob(view, seq).summary());
            }
        }
        return new Response.JobList(jobs);
    }

    /**
     * One tenant's jobs from its index, newest first: of one state, or the newest {@code limit} of each state merged,
     * so a page costs at most (states × limit) index reads however many jobs other tenants have.
     */
    private static List<JobSummary> listOwned(KvView view, String owner, JobState state, int limit, long beforeSeq) {
        if (owner == null) {
            return List.of();
        }
        List<Long> seqs = new ArrayList<>();
        for (JobState s : state == null ? JobState.values() : new JobState[] {state}) {
            byte[] prefix = JobKeys.byOwnerPrefix(owner, s);
            byte[] end = beforeSeq < 0 ? Keys.prefixEnd(prefix) : JobKeys.byOwner(owner, s, beforeSeq);
            int[] taken = {0};
            view.scan(Space.JOBS_BY_OWNER, prefix, end, true, (key, value) -> {
                seqs.add(Keys.readU64(key, prefix.length));
                return ++taken[0] < limit;
            });
        }
        seqs.sort(Comparator.reverseOrder());
        List<JobSummary> jobs = new ArrayList<>();
        for (long seq : seqs.subList(0, Math.min(limit, seqs.size()))) {
            jobs.add(requireJob(view, seq).summary());
        }
        return jobs;
    }

    public static JobView view(KvView view, JobRecord job) {
        List<TaskView> tasks = new ArrayList<>(job.tasks());
        for (TaskRecord task : tasks(view, job.seq())) {
            tasks.add(task.view());
        }
        return new JobView(
                job.id(),
                job.state(),
                job.priority(),
                job.maxAttempts(),
                job.taskTimeoutMs(),
                job.operations(),
                job.labels(),
                job.idempotencyKey(),
                job.submittedAtMs(),
                job.finishedAtMs(),
                job.cancelled(),
                job.counts(),
                tasks,
                job.owner());
    }

    /** Every task of one job, by index. A job has at most {@link Limits#MAX_IMAGES_PER_JOB} of them. */
    public static List<TaskRecord> tasks(KvView view, long seq) {
        List<TaskRecord> out = new ArrayList<>();
        byte[] prefix = JobKeys.tasksOf(seq);
        view.scan(Space.TASKS, prefix, Keys.prefixEnd(prefix), false, (key, value) -> {
            out.add(Codec.decode(value, TaskRecord.class));
            return true;
        });
        return out;
    }

    static JobRecord requireJob(KvView view, long seq) {
        JobRecord job = Tasks.job(view, seq);
        if (job == null) {
            throw new IllegalStateException("an index refers to job " + JobKeys.jobId(seq) + ", which does not exist");
        }
        return job;
    }
}
