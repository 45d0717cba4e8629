package io.corral.worker.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the durations flags take: {@code 500ms}, {@code 60s}, {@code 5m}, {@code 1h}, or ISO-8601 ({@code PT1M}). */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d{1,12})(ms|s|m|h)");

    private Durations() {}

    /** @throws ConfigException naming {@code flag} when {@code text} is not a duration */
    public static long parseMs(String flag, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "ms":
                    return n;
                case "s":
                    return n * 1_000;
                case "m":
                    return n * 60_000;
                default:
                    return n * 3_600_000;
            }
        }
        try {
            return Duration.parse(text.trim()).toMillis();
        } catch (DateTimeParseException e) {
            throw new ConfigException(flag, "'" + text + "' is not a duration such as 500ms, 60s, 5m or 1h");
        }
    }
}
