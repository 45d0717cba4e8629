package io.corral.cli;

import io.corral.protocol.AttemptView;
import io.corral.protocol.JobState;
import io.corral.protocol.JobSummary;
import io.corral.protocol.JobView;
import io.corral.protocol.Limits;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import io.corral.protocol.TaskView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code corral status}, {@code corral list} and {@code corral cancel}: the commands on submitted jobs. */
final class JobCommands {
    static final String STALE_HELP = "Allow a possibly lagging follower to answer (faster, not linearizable).";

    private JobCommands() {}

    @Command(
            name = "status",
            description = {
                "Shows a job and each of its tasks, or one task with its lease and the history of its attempts."
            },
            footer = {"%nExamples:%n  corral status job-17 -o json%n  corral status job-17.3"})
    static final class Status extends BaseCommand {
        @Parameters(
                paramLabel = "JOB|TASK",
                description = "A job id printed by submit (job-17), or one of its task ids (job-17.3).")
        String jobId;

        @Option(names = "--stale", description = STALE_HELP)
        boolean stale;

        @Override
        void run(Output out) {
            if (isTaskId(jobId)) {
                showTask(out);
                return;
            }
            JobView job;
            try (ClusterSession session = connect()) {
                job = session.callWithRetry(new Request.GetJob(jobId, stale), Response.JobDetail.class)
                        .job();
            }
            if (out.json()) {
                out.printJson(job);
                return;
            }
            out.fields(jobFields(job));
            out.line("");
            out.table(List.of("TASK", "IMAGE", "STATE", "ATTEMPTS", "WORKER", "PROGRESS", "ERROR"), taskRows(job));
        }

        /** Task ids are the job id, a dot and the task's index. */
        static boolean isTaskId(String id) {
            return id.matches(".+\\.[0-9]+");
        }

        private void showTask(Output out) {
            Response.TaskDetail d;
            try (ClusterSession session = connect()) {
                d = session.callWithRetry(new Request.GetTask(jobId, stale), Response.TaskDetail.class);
            }
            if (out.json()) {
                out.printJson(d);
                return;
            }
            out.fields(taskFields(d));
            out.line("");
            out.table(List.of("TOKEN", "WORKER", "STARTED", "ENDED", "OUTCOME", "ERROR"), attemptRows(d));
        }

        static Map<String, String> taskFields(Response.TaskDetail d) {
            TaskView t = d.task();
            Map<String, String> f = new LinkedHashMap<>();
            f.put("TASK", t.id());
            f.put("JOB", d.jobId());
            f.put("IMAGE", t.image() + " (" + t.size() + " bytes, sha256 " + t.sha256() + ")");
            f.put("STATE", t.state().name());
            f.put("ATTEMPTS", t.attempts() + " of " + d.maxAttempts());
            f.put("WORKER", nullToDash(t.worker()));
            f.put(
                    "LEASE",
                    d.leaseToken() == 0
                            ? "-"
                            : "token " + d.leaseToken() + ", lapses at " + Output.time(d.leaseExpiresAtMs())
                                    + " unless extended");
            f.put("PROGRESS", progress(t));
            f.put(
                    "RESULT",
                    t.result() == null
                            ? "-"
                            : t.result().size() + " bytes, sha256 " + t.result().sha256() + ", token "
                                    + d.resultToken());
            f.put("ERROR", nullToDash(t.error()));
            return f;
        }

        static List<List<String>> attemptRows(Response.TaskDetail d) {
            List<List<String>> rows = new ArrayList<>(d.attempts().size());
            for (AttemptView a : d.attempts()) {
                rows.add(List.of(
                        Long.toString(a.token()),
                        nullToDash(a.worker()),
                        Output.time(a.startedAtMs()),
                        Output.time(a.endedAtMs()),
                        a.outcome().name(),
                        nullToDash(a.error())));
            }
            return rows;
        }

        static Map<String, String> jobFields(JobView job) {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("JOB", job.id());
            f.put("STATE", job.state() + (job.cancelled() && job.state() != JobState.CANCELLED ? " (cancelling)" : ""));
            f.put("PRIORITY", Integer.toString(job.priority()));
            f.put("MAX ATTEMPTS", Integer.toString(job.maxAttempts()));
            if (job.taskTimeoutMs() > 0) {
                // 0: the job left it to each worker's own default, which the cluster does not know.
                f.put("TASK TIMEOUT", Durations.format(job.taskTimeoutMs()));
            }
            if (job.owner() != null) {
                // The tenant whose token submitted it; a cluster without authentication records none.
                f.put("OWNER", job.owner());
            }
            f.put("SUBMITTED", Output.time(job.submittedAtMs()));
            f.put("FINISHED", Output.time(job.finishedAtMs()));
            f.put("TASKS", job.tasks().size() + " (" + counts(job.counts()) + ")");
            f.put("OPERATIONS", job.operations().isEmpty() ? "-" : String.join(" ", job.operations()));
            f.put("LABELS", labels(job.labels()));
            return f;
        }

        static List<List<String>> taskRows(JobView job) {
            List<List<String>> rows = new ArrayList<>(job.tasks().size());
            for (TaskView t : job.tasks()) {
                rows.add(List.of(
                        t.id(),
                        t.image(),
                        t.state().name(),
                        Integer.toString(t.attempts()),
                        nullToDash(t.worker()),
                        progress(t),
                        nullToDash(t.error())));
            }
            return rows;
        }

        /** {@code 40% resizing} while the task runs; a finished task's last report would only mislead. */
        static String progress(TaskView t) {
            if (t.state() != TaskState.LEASED || t.progressPercent() < 0) {
                return "-";
            }
            String message = t.progressMessage();
            return t.progressPercent() + "%" + (message == null || message.isBlank() ? "" : " " + message);
        }
    }

    @Command(
            name = "list",
            description = "Lists jobs, newest first.",
            footer = {"%nExample:%n  corral list --state DEAD --limit 10"})
    static final class ListJobs extends BaseCommand {
        @Option(
                names = "--state",
                paramLabel = "STATE",
                description = "Only jobs in this state: ${COMPLETION-CANDIDATES}.")
        JobState state;

        @Option(
                names = "--limit",
                paramLabel = "N",
                description = "At most this many jobs, 1 to " + Limits.MAX_LIST_LIMIT + " (default: 50).")
        int limit = 50;

        @Option(names = "--stale", description = STALE_HELP)
        boolean stale;

        @Option(
                names = "--before",
                paramLabel = "JOB",
                description = "Only jobs older than this one: the last id of the previous page.")
        String before;

        @Override
        void run(Output out) {
            if (limit < 1 || limit > Limits.MAX_LIST_LIMIT) {
                throw CliException.badInput("--limit " + limit + " is outside 1.." + Limits.MAX_LIST_LIMIT);
            }
            List<JobSummary> jobs;
            try (ClusterSession session = connect()) {
                jobs = session.callWithRetry(new Request.ListJobs(state, limit, stale, before), Response.JobList.class)
                        .jobs();
            }
            if (out.json()) {
                out.printJson(Map.of("jobs", jobs));
                return;
            }
            // An OWNER column only where jobs have owners (a cluster with tokens): admins and readers see every
            // tenant's.
            boolean owners = jobs.stream().anyMatch(j -> j.owner() != null);
            List<List<String>> rows = new ArrayList<>(jobs.size());
            for (JobSummary j : jobs) {
                List<String> row = new ArrayList<>(List.of(
                        j.id(),
                        j.state().name(),
                        Integer.toString(j.priority()),
                        Integer.toString(j.tasks()),
                        counts(j.counts()),
                        Output.time(j.submittedAtMs())));
                if (owners) {
                    row.add(nullToDash(j.owner()));
                }
                row.add(labels(j.labels()));
                rows.add(row);
            }
            List<String> header = new ArrayList<>(List.of("JOB", "STATE", "PRIORITY", "TASKS", "COUNTS", "SUBMITTED"));
            if (owners) {
                header.add("OWNER");
            }
            header.add("LABELS");
            out.table(header, rows);
        }
    }

    @Command(
            name = "cancel",
            description = {
                "Cancels a job: its pending tasks become CANCELLED at once; tasks already running finish their"
                        + " current attempt, then the job ends CANCELLED.",
                "Fails with CONFLICT (exit code 1) if the job already finished."
            })
    static final class Cancel extends BaseCommand {
        @Parameters(paramLabel = "JOB", description = "The job id printed by submit.")
        String jobId;

        @Override
        void run(Output out) {
            Response answer;
            try (ClusterSession session = connectTowardLeader()) {
                // Not retried: a retry after a lost reply would report CONFLICT for a cancel that succeeded.
                answer = session.call(new Request.CancelJob(jobId), Response.class);
            }
            JobView job = answer instanceof Response.JobDetail detail ? detail.job() : null;
            if (out.json()) {
                out.printJson(job != null ? job : Map.of("id", jobId, "cancelled", true));
                return;
            }
            int running = job == null ? 0 : job.counts().getOrDefault(TaskState.LEASED, 0);
            out.line("cancelled " + jobId
                    + (job == null ? "" : ": " + job.state())
                    + (running == 0
                            ? ""
                            : " (" + running + " running task" + (running == 1 ? "" : "s") + " will finish first)"));
        }
    }

    @Command(
            name = "watch",
            description = {
                "Shows a job's progress until it is finished: on a terminal one line redrawn in place, otherwise one"
                        + " line per change (on stderr).",
                "Exit code 0 if the job SUCCEEDED, 1 if it ended FAILED, DEAD or CANCELLED."
            },
            footer = {"%nExample:%n  corral watch job-17 --wait-timeout 10m"})
    static final class Watch extends BaseCommand {
        @Parameters(paramLabel = "JOB", description = "The job id printed by submit.")
        String jobId;

        @Option(
                names = "--wait-timeout",
                paramLabel = "DURATION",
                converter = Durations.Converter.class,
                description = "Give up (exit code 4) after this long; the job keeps running (default: no limit).")
        long waitTimeoutMs;

        @Override
        void run(Output out) throws InterruptedException {
            JobView job;
            try (ClusterSession session = connect()) {
                job = watch(session).await(jobId, waitTimeoutMs);
            }
            if (out.json()) {
                out.printJson(job);
            } else {
                out.line(JobWatch.line(job));
            }
            String failure = JobWatch.failure(job);
            if (failure != null) {
                out.note(failure);
                exitCode = ExitCodes.FAILURE;
            }
        }
    }

    @Command(
            name = "retry",
            description = {
                "Puts the DEAD and FAILED tasks of a job, or one such task, back to PENDING with their attempts reset.",
                "Prints how many tasks were put back (0 if none was DEAD or FAILED)."
            },
            footer = {"%nExamples:%n  corral retry job-17%n  corral retry job-17.3"})
    static final class Retry extends BaseCommand {
        @Parameters(paramLabel = "JOB|TASK", description = "A job id (job-17) or a task id (job-17.3).")
        String id;

        @Override
        void run(Output out) {
            int count;
            try (ClusterSession session = connectTowardLeader()) {
                // Sent once: after a lost reply a repeat would answer 0 for tasks the first attempt put back.
                count = session.call(new Request.RetryTasks(id), Response.TasksRetried.class)
                        .count();
            }
            if (out.json()) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("id", id);
                body.put("retried", count);
                out.printJson(body);
                return;
            }
            out.line("put " + count + " task" + (count == 1 ? "" : "s") + " of " + id + " back to PENDING");
        }
    }

    /** Non-zero counts in the order of the task life cycle: {@code 2 SUCCEEDED, 1 LEASED}. */
    static String counts(Map<TaskState, Integer> counts) {
        StringJoiner sj = new StringJoiner(", ");
        for (TaskState s : TaskState.values()) {
            int n = counts == null ? 0 : counts.getOrDefault(s, 0);
            if (n > 0) {
                sj.add(n + " " + s.name());
            }
        }
        return sj.length() == 0 ? "-" : sj.toString();
    }

    static String labels(Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return "-";
        }
        StringJoiner sj = new StringJoiner(",");
        labels.forEach((k, v) -> sj.add(k + "=" + v));
        return sj.toString();
    }

    static String nullToDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
