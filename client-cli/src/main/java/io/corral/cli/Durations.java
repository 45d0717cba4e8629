package io.corral.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations as people type them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 2d}, and combinations
 * with the units in decreasing order ({@code 1h30m}, {@code 1m30s}). A bare number is refused because "30" could mean
 * seconds or milliseconds, and a wrong guess on a lock TTL is a correctness problem, not a cosmetic one.
 */
public final class Durations {
    /** Far beyond any TTL, wait or timeout the cluster accepts; only guards the arithmetic against overflow. */
    static final long MAX_DURATION_MS = 365L * 24 * 3600 * 1000;

    private static final Pattern PART = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");
    private static final String EXPECTED =
            "expected a number with a unit (ms, s, m, h, d), such as 500ms, 30s, 5m," + " 1h or 1h30m";

    private Durations() {}

    /**
     * Parses a duration into milliseconds.
     *
     * @throws IllegalArgumentException with a message naming the text and the expected form
     */
    public static long parseMillis(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration; " + EXPECTED);
        }
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("duration '" + text + "' has no unit; " + EXPECTED);
        }
        Matcher m = PART.matcher(s);
        int pos = 0;
        long lastUnitMs = Long.MAX_VALUE;
        long totalMs = 0;
        while (pos < s.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw new IllegalArgumentException("invalid duration '" + text + "'; " + EXPECTED);
            }
            long unitMs = unitMillis(m.group(2));
            if (unitMs >= lastUnitMs) {
                throw new IllegalArgumentException(
                        "invalid duration '" + text + "': units must appear once each, largest first (as in 1h30m)");
            }
            lastUnitMs = unitMs;
            long value = Long.parseLong(m.group(1));
            if (value > MAX_DURATION_MS / unitMs || totalMs + value * unitMs > MAX_DURATION_MS) {
                throw new IllegalArgumentException("duration '" + text + "' is longer than 365 days");
            }
            totalMs += value * unitMs;
            pos = m.end();
        }
        return totalMs;
    }

    /** Formats milliseconds compactly, the inverse of {@link #parseMillis} for whole units ({@code 90000 -> 1m30s}). */
    public static String format(long ms) {
        if (ms == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder(ms < 0 ? "-" : "");
        long rest = Math.abs(ms);
        String[] units = {"d", "h", "m", "s", "ms"};
        for (String unit : units) {
            long unitMs = unitMillis(unit);
            if (rest >= unitMs) {
                sb.append(rest / unitMs).append(unit);
                rest %= unitMs;
            }
        }
        return sb.toString();
    }

    private static long unitMillis(String unit) {
        return switch (unit) {
            case "ms" -> 1L;
            case "s" -> 1000L;
            case "m" -> 60_000L;
            case "h" -> 3_600_000L;
            case "d" -> 86_400_000L;
            default -> throw new AssertionError("unit not in the pattern: " + unit);
        };
    }

    /** Lets picocli options take a duration; the value is in milliseconds, a parse error is a usage error. */
    public static final class Converter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parseMillis(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
