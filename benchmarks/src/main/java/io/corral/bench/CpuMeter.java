package io.corral.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time of server processes, read from {@code /proc}: user + system time of every thread of each process, so that a
 * benchmark can divide what a cluster spent by the work it did. Linux only; resolution one clock tick (10 ms where
 * {@code CLK_TCK} is 100, as on every Linux this runs on), so windows of many seconds are needed.
 */
final class CpuMeter {
    /** Linux's user-visible clock tick: 100 a second on every architecture this project runs on. */
    static final long TICKS_PER_SECOND = 100;

    private final Path proc;
    private final List<Long> pids;

    CpuMeter(Path proc, List<Long> pids) {
        this.proc = proc;
        this.pids = List.copyOf(pids);
    }

    /** The processes' CPU time so far, summed, in milliseconds. */
    long totalMs() {
        long ticks = 0;
        for (long pid : pids) {
            ticks += ticks(read(proc.resolve(Long.toString(pid)).resolve("stat"), pid));
        }
        return ticks * 1000 / TICKS_PER_SECOND;
    }

    /**
     * CPU time so far by thread name, digits and trailing separators removed so that a pool's threads add up
     * ({@code grpc-default-executor-3} and {@code -7} count as {@code grpc-default-executor}), summed over the
     * processes, in milliseconds. Threads that ended are not counted: compare two readings of long-lived servers.
     */
    Map<String, Long> byThreadMs() {
        Map<String, Long> ticks = new HashMap<>();
        for (long pid : pids) {
            Path tasks = proc.resolve(Long.toString(pid)).resolve("task");
            try (Stream<Path> threads = Files.list(tasks)) {
                for (Path t : threads.toList()) {
                    String stat;
                    try {
                        stat = Files.readString(t.resolve("stat"));
                    } catch (NoSuchFileException e) {
                        continue; // the thread ended between the listing and the read
                    }
                    ticks.merge(group(comm(stat)), ticks(stat), Long::sum);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the threads of process " + pid + " in " + tasks, e);
            }
        }
        Map<String, Long> ms = new TreeMap<>();
        ticks.forEach((name, t) -> ms.put(name, t * 1000 / TICKS_PER_SECOND));
        return ms;
    }

    private static String read(Path stat, long pid) {
        try {
            return Files.readString(stat);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("process " + pid + " is not running (no " + stat + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** utime + stime of a {@code stat} line: fields 14 and 15, counted after the command name in parentheses. */
    static long ticks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc stat line: " + stat);
        }
        String[] f = stat.substring(close + 2).trim().split("\\s+");
        // f[0] is field 3 (state), so field n is f[n - 3].
        return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
    }

    /** The command (thread) name of a {@code stat} line. */
    static String comm(String stat) {
        return stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    }

    /** A thread name without its numbers: what its pool is called. */
    static String group(String threadName) {
        String g =
                threadName.replaceAll("[0-9]+", "").replaceAll("[-_#. ]+$", "").replaceAll("[-_]{2,}", "-");
        return g.isEmpty() ? threadName : g;
    }
}
