package io.corral.jepsen.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A coordinator's wall clock that the harness can move at run time: Debian's libfaketime preloaded into the
 * coordinator's JVM, reading its offset from a file in the node's container. All containers share the host's one
 * kernel clock, so this is the only way to give one member another time than the others.
 *
 * <ul>
 *   <li>Only CLOCK_REALTIME is moved ({@code FAKETIME_DONT_FAKE_MONOTONIC=1}): {@code System.currentTimeMillis()}
 *       and {@code Instant.now()} jump, {@code System.nanoTime()} (Ratis' election and request timeouts, every
 *       {@code Thread.sleep}) does not, as when NTP or an operator steps a host's clock.
 *   <li>The offset file is read at most once a second ({@code FAKETIME_CACHE_DURATION=1}): a change takes effect
 *       within a second. Reading it on every call ({@code FAKETIME_NO_CACHE=1}) made each {@code
 *       currentTimeMillis()} about 20 times slower, which a busy JVM notices.
 *   <li>{@code FAKETIME_FORCE_MONOTONIC_FIX=0}: Debian's libfaketime (0.9.10) turns that "fix" on by itself for
 *       this glibc, and with it every timed wait of the JVM goes wrong (a 200 ms {@code LockSupport.parkNanos} or
 *       {@code Object.wait} returned at once, a 200 ms {@code Condition.await} took 1.2 s): Ratis' heartbeats and
 *       timeouts fell apart and no write committed. Off, every timed wait took its 200 ms.
 *   <li>The file holds a relative offset in seconds ({@code +30.000}, {@code -2.500}); libfaketime takes fractions
 *       but no unit suffix smaller than a second.
 * </ul>
 */
public final class FakeClock {
    /** The offset file in every coordinator's container (not in the data directory, which a disk fault fills). */
    static final String OFFSET_FILE = "/tmp/corral-clock-offset";

    private static final String LIBRARY_DIR = "faketime/libfaketimeMT.so.1";

    private FakeClock() {}

    /** The environment that makes a coordinator's JVM read its wall clock through libfaketime. */
    static List<String> environment() {
        return List.of(
                "env",
                "LD_PRELOAD=" + library(),
                "FAKETIME_TIMESTAMP_FILE=" + OFFSET_FILE,
                "FAKETIME_CACHE_DURATION=1",
                "FAKETIME_DONT_FAKE_MONOTONIC=1",
                "FAKETIME_FORCE_MONOTONIC_FIX=0");
    }

    /** The offset the self-check sets, and how far from it the result may be (the command's own run time). */
    static final long CHECK_OFFSET_S = 3600;

    static final long CHECK_TOLERANCE_S = 30;

    /**
     * Checks that libfaketime moves the clock in every container (a run whose clock faults never reach a process
     * would prove nothing about time) and starts every clock at the true time.
     */
    static void prepare(List<Node> coordinators) {
        for (Node n : coordinators) {
            if (n.exec("test", "-r", library()).getExitCode() != 0) {
                throw new IllegalStateException(
                        n.name() + " has no " + library() + ": a clock nemesis needs libfaketime"
                                + " (apt-get install libfaketime; scripts/docker-up.sh installs it on the host)");
            }
            checkMoves(n);
            set(n, 0);
        }
    }

    /** Runs {@code date} under the preload with the offset file an hour ahead, and compares with the true time. */
    static void checkMoves(Node n) {
        set(n, CHECK_OFFSET_S * 1000);
        List<String> cmd = new ArrayList<>(environment());
        cmd.addAll(List.of("date", "+%s"));
        long faked = Long.parseLong(n.execOk(cmd.toArray(String[]::new)).strip());
        long real = Long.parseLong(n.execOk("date", "+%s").strip());
        if (Math.abs(faked - real - CHECK_OFFSET_S) > CHECK_TOLERANCE_S) {
            throw new IllegalStateException(n.name() + ": libfaketime did not move the clock (" + OFFSET_FILE
                    + " says +" + CHECK_OFFSET_S + " s, the preloaded date said " + (faked - real) + " s off)");
        }
    }

    /** Moves the node's wall clock to the true time plus {@code offsetMs} (within a second). */
    public static void set(Node n, long offsetMs) {
        String text = offset(offsetMs);
        // Written aside and renamed, so that libfaketime never reads half a line.
        n.execOk(
                "sh",
                "-c",
                "printf '%s\\n' '" + text + "' >" + OFFSET_FILE + ".new && mv " + OFFSET_FILE + ".new " + OFFSET_FILE);
    }

    /** The offset the node's clock is set to now, in milliseconds. */
    public static long offsetMs(Node n) {
        String text = n.execOk("cat", OFFSET_FILE).strip();
        return Math.round(Double.parseDouble(text) * 1000);
    }

    /** libfaketime's relative offset: signed seconds with milliseconds. */
    static String offset(long offsetMs) {
        return String.format(Locale.ROOT, "%+.3f", offsetMs / 1000.0);
    }

    /**
     * The multi-threaded libfaketime of the host (the host-JDK image mounts the host's {@code /usr}); Debian's path
     * for another image.
     */
    static String library() {
        try (var dirs = Files.list(Path.of("/usr/lib"))) {
            return dirs.map(d -> d.resolve(LIBRARY_DIR))
                    .filter(Files::exists)
                    .map(Path::toString)
                    .findFirst()
                    .orElse("/usr/lib/x86_64-linux-gnu/" + LIBRARY_DIR);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
