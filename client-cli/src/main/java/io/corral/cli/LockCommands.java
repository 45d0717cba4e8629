package io.corral.cli;

import io.corral.protocol.Limits;
import io.corral.protocol.LockView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral lock ...}: the cluster's fencing locks. Every grant returns a token larger than any earlier grant of
 * any lock; whoever acts on a protected resource should pass the token along so stale holders can be refused.
 */
@Command(
        name = "lock",
        description = "Acquires, renews, releases and inspects fencing locks.",
        subcommands = {
            LockCommands.Acquire.class,
            LockCommands.Release.class,
            LockCommands.Renew.class,
            LockCommands.ListLocks.class,
            LockCommands.Show.class
        })
final class LockCommands extends CommandGroup {
    /** Room on top of {@code --wait} for the grant to be committed and answered, so the wait is never cut short. */
    static final long WAIT_MARGIN_MS = 10_000;

    @Command(
            name = "acquire",
            sortOptions = false,
            description = {
                "Acquires a lock and prints its fencing token.",
                "Without --wait it fails at once (exit code 5) if someone holds the lock; with --wait it queues, first"
                        + " come first served, for at most that long."
            },
            footer = {"%nExample:%n  TOKEN=$(corral lock acquire nightly-report --ttl 5m --wait 30s)"})
    static final class Acquire extends BaseCommand {
        @Parameters(paramLabel = "NAME", description = "The lock's name.")
        String name;

        @Option(
                names = "--ttl",
                required = true,
                paramLabel = "DURATION",
                converter = Durations.Converter.class,
                description = "How long the lock is held unless renewed, such as 30s or 5m.")
        long ttlMs;

        @Option(
                names = "--wait",
                paramLabel = "DURATION",
                converter = Durations.Converter.class,
                description = "How long to queue if the lock is held (default: 0s, fail at once).")
        long waitMs = 0;

        @Option(
                names = "--owner",
                paramLabel = "OWNER",
                description = "Who holds the lock, shown by lock list (default: user@host).")
        String owner;

        @Override
        void run(Output out) {
            checkName(name);
            if (ttlMs < Limits.MIN_LOCK_TTL_MS || ttlMs > Limits.MAX_LOCK_TTL_MS) {
                throw CliException.badInput("--ttl must be between " + Durations.format(Limits.MIN_LOCK_TTL_MS)
                        + " and " + Durations.format(Limits.MAX_LOCK_TTL_MS));
            }
            if (waitMs > Limits.MAX_LOCK_WAIT_MS) {
                throw CliException.badInput("--wait must be at most " + Durations.format(Limits.MAX_LOCK_WAIT_MS));
            }
            String who = owner == null ? defaultOwner() : owner;
            if (who.isBlank() || who.length() > Limits.MAX_NAME_CHARS) {
                throw CliException.badInput("--owner must be 1 to " + Limits.MAX_NAME_CHARS + " characters");
            }
            Response.LockGranted granted;
            try (ClusterSession session = main().connectTowardLeader(waitMs + WAIT_MARGIN_MS)) {
                // Not retried: a retry after a lost reply would queue behind our own grant.
                granted = session.call(new Request.AcquireLock(name, who, ttlMs, waitMs), Response.LockGranted.class);
            }
            if (out.json()) {
                out.printJson(grantJson(granted));
            } else {
                out.line(Long.toString(granted.token()));
            }
        }
    }

    @Command(
            name = "release",
            description = "Releases a lock. Fails with exit code 6 if the token is no longer the holder's.")
    static final class Release extends BaseCommand {
        @Parameters(paramLabel = "NAME", description = "The lock's name.")
        String name;

        @Option(names = "--token", required = true, paramLabel = "N", description = "The token acquire printed.")
        long token;

        @Override
        void run(Output out) {
            checkName(name);
            Response.LockReleased released;
            try (ClusterSession session = connectTowardLeader()) {
                // Not retried: after a lost reply the retry would be refused as stale although the release worked.
                released = session.call(new Request.ReleaseLock(name, token), Response.LockReleased.class);
            }
            if (out.json()) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("name", released.name());
                body.put("token", released.token());
                body.put("released", true);
                out.printJson(body);
            } else {
                out.line("released " + released.name() + " (token " + released.token() + ")");
            }
        }
    }

    @Command(
            name = "renew",
            description = {
                "Extends a held lock by its TTL, counted from now.",
                "Fails with exit code 6 if the token is no longer the holder's (the lock lapsed or was released)."
            })
    static final class Renew extends BaseCommand {
        @Parameters(paramLabel = "NAME", description = "The lock's name.")
        String name;

        @Option(names = "--token", required = true, paramLabel = "N", description = "The token acquire printed.")
        long token;

        @Override
        void run(Output out) {
            checkName(name);
            Response.LockGranted renewed;
            try (ClusterSession session = connectTowardLeader()) {
                // Renewing twice only moves the expiry to "now + TTL" again, so a retry is harmless.
                renewed = session.callWithRetry(new Request.RenewLock(name, token), Response.LockGranted.class);
            }
            if (out.json()) {
                out.printJson(grantJson(renewed));
            } else {
                out.line("renewed " + renewed.name() + " (token " + renewed.token() + ") until "
                        + Output.time(renewed.expiresAtMs()));
            }
        }
    }

    @Command(name = "list", description = "Lists the held locks.")
    static final class ListLocks extends BaseCommand {
        @Option(names = "--stale", description = JobCommands.STALE_HELP)
        boolean stale;

        @Override
        void run(Output out) {
            List<LockView> locks;
            try (ClusterSession session = connect()) {
                locks = session.callWithRetry(new Request.ListLocks(stale), Response.LockList.class)
                        .locks();
            }
            if (out.json()) {
                out.printJson(Map.of("locks", locks));
                return;
            }
            List<List<String>> rows = new ArrayList<>(locks.size());
            for (LockView l : locks) {
                rows.add(List.of(
                        l.name(),
                        l.owner(),
                        Long.toString(l.token()),
                        Durations.format(l.ttlMs()),
                        Output.time(l.acquiredAtMs()),
                        Output.time(l.expiresAtMs()),
                        Integer.toString(l.waiters())));
            }
            out.table(List.of("NAME", "OWNER", "TOKEN", "TTL", "ACQUIRED", "EXPIRES", "WAITERS"), rows);
        }
    }

    @Command(name = "show", description = "Shows one lock (exit code 3 if free).")
    static final class Show extends BaseCommand {
        @Parameters(paramLabel = "NAME", description = "The lock's name.")
        String name;

        @Option(names = "--stale", description = JobCommands.STALE_HELP)
        boolean stale;

        @Override
        void run(Output out) {
            checkName(name);
            LockView lock;
            try (ClusterSession session = connect()) {
                lock = session.callWithRetry(new Request.GetLock(name, stale), Response.LockDetail.class)
                        .lock();
            }
            if (out.json()) {
                out.printJson(lock);
                return;
            }
            Map<String, String> f = new LinkedHashMap<>();
            f.put("NAME", lock.name());
            f.put("OWNER", lock.owner());
            f.put("TOKEN", Long.toString(lock.token()));
            f.put("TTL", Durations.format(lock.ttlMs()));
            f.put("ACQUIRED", Output.time(lock.acquiredAtMs()));
            f.put("EXPIRES", Output.time(lock.expiresAtMs()));
            f.put("WAITERS", Integer.toString(lock.waiters()));
            out.fields(f);
        }
    }

    static Map<String, Object> grantJson(Response.LockGranted g) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", g.token());
        body.put("name", g.name());
        body.put("owner", g.owner());
        body.put("expiresAtMs", g.expiresAtMs());
        return body;
    }

    static void checkName(String name) {
        if (name.isBlank() || name.length() > Limits.MAX_NAME_CHARS) {
            throw CliException.badInput("lock name must be 1 to " + Limits.MAX_NAME_CHARS + " characters");
        }
    }

    /** {@code user@host}, so {@code lock list} says who to ask; falls back to the environment if DNS fails. */
    static String defaultOwner() {
        String user = System.getProperty("user.name", "unknown");
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = System.getenv().getOrDefault("HOSTNAME", "localhost");
        }
        return user + "@" + host;
    }
}
