package io.corral.cli;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.Limits;
import io.corral.protocol.PeerView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.PrintWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code corral cluster add-peer}: adds a member as a listener (the leader catches it up, which may take long: a
 * checkpoint of the whole state, then the log), waits until it is within {@link Limits#MAX_PROMOTION_LAG_ENTRIES} of
 * the commit index, and promotes it to a voter. Progress goes to stderr, one line per change, from the leader's view
 * ({@code GetMembership}, polled on a second session while the add is under way). Run again after an interruption,
 * it resumes: adding a listener that is there changes nothing, and promoting a voter neither.
 */
final class PeerJoin {
    static final long POLL_INTERVAL_MS = 1000;

    private final ClusterSession joining;
    private final ClusterSession watching;
    private final JobWatch.Pacer pacer;
    private final PrintWriter err;
    private String lastLine;

    /**
     * @param joining the session of the add and the promotion, whose request timeout covers the whole catch-up
     * @param watching a second session for the progress polls
     */
    PeerJoin(ClusterSession joining, ClusterSession watching, JobWatch.Pacer pacer, PrintWriter err) {
        this.joining = joining;
        this.watching = watching;
        this.pacer = pacer;
        this.err = err;
    }

    /** Adds and promotes; returns the configuration with {@code add.id()} a voter. */
    Response.Membership run(Request.AddPeer add, long timeoutMs) throws InterruptedException {
        long deadlineMs = pacer.nowMs() + timeoutMs;
        ExecutorService caller = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "add-peer");
            t.setDaemon(true);
            return t;
        });
        try {
            CompletableFuture<Response.Membership> added =
                    CompletableFuture.supplyAsync(() -> joining.call(add, Response.Membership.class), caller);
            while (!added.isDone() && pacer.nowMs() < deadlineMs) {
                show(add.id(), watching.callWithRetry(new Request.GetMembership(), Response.Membership.class));
                pacer.pause(POLL_INTERVAL_MS);
            }
            show(add.id(), await(added));
            return promote(add.id(), deadlineMs, timeoutMs);
        } finally {
            caller.shutdownNow();
        }
    }

    private static Response.Membership await(CompletableFuture<Response.Membership> added) {
        try {
            return added.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private Response.Membership promote(String id, long deadlineMs, long timeoutMs) throws InterruptedException {
        while (true) {
            Response.Membership m = watching.callWithRetry(new Request.GetMembership(), Response.Membership.class);
            PeerView p = find(m, id);
            show(id, m);
            if (p != null && "VOTER".equals(p.role())) {
                return m;
            }
            if (p != null && lag(m, p) >= 0 && lag(m, p) <= Limits.MAX_PROMOTION_LAG_ENTRIES) {
                try {
                    return joining.call(new Request.PromotePeer(id), Response.Membership.class);
                } catch (CliException e) {
                    // The leader decides on fresher numbers than this poll's; a refusal for lag or liveness passes.
                    if (!ErrorCode.CONFLICT.name().equals(e.code())) {
                        throw e;
                    }
                    line(id + ": not promoted yet: " + e.getMessage());
                }
            }
            if (pacer.nowMs() >= deadlineMs) {
                throw CliException.of(
                        ErrorCode.TIMEOUT,
                        id + " is not a voter after " + Durations.format(timeoutMs) + " (" + describe(id, m)
                                + "); run add-peer again to resume, or remove-peer " + id + " to give up");
            }
            pacer.pause(POLL_INTERVAL_MS);
        }
    }

    private void show(String id, Response.Membership m) {
        line(id + ": " + describe(id, m));
    }

    private void line(String text) {
        if (!text.equals(lastLine)) {
            lastLine = text;
            err.println("corral: " + text);
            err.flush();
        }
    }

    /** {@code listener, match index 5390 of commit 5410 (20 behind)}, or what is known of it. */
    static String describe(String id, Response.Membership m) {
        PeerView p = find(m, id);
        if (p == null) {
            return "not in the configuration yet";
        }
        String role = p.role().toLowerCase(java.util.Locale.ROOT);
        if (p.matchIndex() < 0) {
            return role + (role.equals("joining") ? ", installing a checkpoint of the state" : "");
        }
        return role + ", match index " + p.matchIndex() + " of commit " + m.commitIndex() + " (" + lag(m, p)
                + " behind)";
    }

    static long lag(Response.Membership m, PeerView p) {
        return p.matchIndex() < 0 ? -1 : Math.max(0, m.commitIndex() - p.matchIndex());
    }

    static PeerView find(Response.Membership m, String id) {
        return m.peers().stream().filter(p -> p.id().equals(id)).findFirst().orElse(null);
    }
}
