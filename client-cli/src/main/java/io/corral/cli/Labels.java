package io.corral.cli;

import io.corral.protocol.Limits;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --label key=value} options, checked here so a bad label is refused before any image is uploaded. */
public final class Labels {
    private Labels() {}

    /**
     * Parses labels in order. The value may be empty ({@code team=}) and may contain '='; the key may not be empty,
     * may not repeat, and neither may contain control characters or exceed {@link Limits#MAX_LABEL_CHARS}.
     *
     * @throws CliException (bad input) naming the offending label
     */
    public static Map<String, String> parse(List<String> specs) {
        if (specs.size() > Limits.MAX_LABELS_PER_JOB) {
            throw CliException.badInput(specs.size() + " labels; a job takes at most " + Limits.MAX_LABELS_PER_JOB);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq < 0) {
                throw CliException.badInput("label '" + spec + "' is not of the form key=value");
            }
            String key = spec.substring(0, eq).strip();
            String value = spec.substring(eq + 1);
            if (key.isEmpty()) {
                throw CliException.badInput("label '" + spec + "' has an empty key");
            }
            if (key.length() > Limits.MAX_LABEL_CHARS || value.length() > Limits.MAX_LABEL_CHARS) {
                throw CliException.badInput("label '" + abbreviate(spec) + "': key and value are limited to "
                        + Limits.MAX_LABEL_CHARS + " characters each");
            }
            if (key.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))
                    || value.chars().anyMatch(Character::isISOControl)) {
                throw CliException.badInput(
                        "label '" + abbreviate(spec) + "' contains control characters (or whitespace in the key)");
            }
            if (labels.putIfAbsent(key, value) != null) {
                throw CliException.badInput("label key '" + key + "' is given more than once");
            }
        }
        return labels;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
