package io.corral.cli;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.JobState;
import io.corral.protocol.JobView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.io.PrintWriter;
import java.util.Map;

/**
 * Follows a job until it is terminal, by polling {@code GetJob} (linearizable) every {@link #POLL_INTERVAL_MS}, and
 * shows its progress on stderr: one line redrawn in place on a terminal, one plain line per change otherwise (a log
 * file or a CI job must not fill up with carriage returns). Polling is fine for a command line: the dispatch path of
 * the cluster is push, and a person waiting does not notice half a second.
 */
final class JobWatch {
    static final long POLL_INTERVAL_MS = 500;
    static final int BAR_WIDTH = 20;

    /** Time and waiting, injected so tests run without sleeping. */
    interface Pacer {
        long nowMs();

        void pause(long ms) throws InterruptedException;

        Pacer SYSTEM = new Pacer() {
            @Override
            public long nowMs() {
                return System.nanoTime() / 1_000_000;
            }

            @Override
            public void pause(long ms) throws InterruptedException {
                Thread.sleep(ms);
            }
        };
    }

    private final ClusterSession session;
    private final Pacer pacer;
    private final Display display;

    JobWatch(ClusterSession session, Pacer pacer, PrintWriter err, boolean interactive) {
        this.session = session;
        this.pacer = pacer;
        this.display = new Display(err, interactive);
    }

    /**
     * Polls until the job is terminal and returns its last view.
     *
     * @param timeoutMs give up after this long (0: no limit); the job keeps running in the cluster either way
     * @throws CliException TIMEOUT (exit code 4) when the time runs out first
     */
    JobView await(String jobId, long timeoutMs) throws InterruptedException {
        long deadlineMs = timeoutMs > 0 ? pacer.nowMs() + timeoutMs : Long.MAX_VALUE;
        while (true) {
            JobView job = session.callWithRetry(new Request.GetJob(jobId, false), Response.JobDetail.class)
                    .job();
            display.show(job);
            if (job.state().isTerminal()) {
                display.end();
                return job;
            }
            long leftMs = deadlineMs - pacer.nowMs();
            if (leftMs <= 0) {
                display.end();
                throw CliException.of(
                        ErrorCode.TIMEOUT,
                        jobId + " is still " + job.state() + " after " + Durations.format(timeoutMs)
                                + "; it keeps running in the cluster (follow it with: corral watch " + jobId + ")");
            }
            pacer.pause(Math.min(POLL_INTERVAL_MS, leftMs));
        }
    }

    /** {@code job-17: 3/4 done, 1 running}, then the other non-zero counts, and the final state once terminal. */
    static String line(JobView job) {
        Map<TaskState, Integer> c = job.counts() == null ? Map.of() : job.counts();
        int total = job.tasks().size();
        StringBuilder sb = new StringBuilder(job.id())
                .append(": ")
                .append(done(c))
                .append('/')
                .append(total);
        sb.append(" done");
        append(sb, c, TaskState.LEASED, "running");
        append(sb, c, TaskState.PENDING, "pending");
        append(sb, c, TaskState.FAILED, "failed");
        append(sb, c, TaskState.DEAD, "dead");
        append(sb, c, TaskState.CANCELLED, "cancelled");
        if (job.state().isTerminal()) {
            sb.append(" (").append(job.state()).append(')');
        }
        return sb.toString();
    }

    /** {@code [#####...............] } in proportion of finished tasks, for the in-place line on a terminal. */
    static String bar(JobView job) {
        int total = job.tasks().size();
        int done = done(job.counts() == null ? Map.of() : job.counts());
        int filled = total == 0 ? BAR_WIDTH : (int) ((long) done * BAR_WIDTH / total);
        return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] ";
    }

    /** Why a terminal job counts as a failure for the exit code, or null when it SUCCEEDED. */
    static String failure(JobView job) {
        if (job.state() == JobState.SUCCEEDED) {
            return null;
        }
        return job.id() + " ended " + job.state() + " (" + JobCommands.counts(job.counts()) + "); corral status "
                + job.id() + " shows each task's error";
    }

    private static int done(Map<TaskState, Integer> c) {
        return c.getOrDefault(TaskState.SUCCEEDED, 0)
                + c.getOrDefault(TaskState.FAILED, 0)
                + c.getOrDefault(TaskState.DEAD, 0)
                + c.getOrDefault(TaskState.CANCELLED, 0);
    }

    private static void append(StringBuilder sb, Map<TaskState, Integer> c, TaskState state, String word) {
        int n = c.getOrDefault(state, 0);
        if (n > 0) {
            sb.append(", ").append(n).append(' ').append(word);
        }
    }

    /** The progress line on stderr; repeats of an unchanged line are not printed. */
    static final class Display {
        private final PrintWriter err;
        private final boolean inPlace;
        private String last;
        private int lastWidth;

        Display(PrintWriter err, boolean inPlace) {
            this.err = err;
            this.inPlace = inPlace;
        }

        void show(JobView job) {
            String text = line(job);
            if (text.equals(last)) {
                return;
            }
            last = text;
            if (inPlace) {
                String shown = bar(job) + text;
                // Pad over the tail of a longer previous line: \r only moves the cursor back.
                err.print("\r" + shown + " ".repeat(Math.max(0, lastWidth - shown.length())));
                lastWidth = shown.length();
            } else {
                err.println(text);
            }
            err.flush();
        }

        void end() {
            if (inPlace && last != null) {
                err.println();
                err.flush();
            }
        }
    }
}
