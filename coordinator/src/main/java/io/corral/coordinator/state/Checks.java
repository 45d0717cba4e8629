package io.corral.coordinator.state;

import io.corral.protocol.ErrorCode;

/** Validation helpers shared by the rules of each concept; each failure names the field and the rule. */
public final class Checks {
    private Checks() {}

    public static InvalidCommandException bad(String message) {
        return new InvalidCommandException(ErrorCode.BAD_REQUEST, message);
    }

    /** Non-null, not blank, at most {@code maxChars} characters. */
    public static void requireText(String field, String value, int maxChars) {
        if (value == null || value.isBlank()) {
            throw bad(field + " must not be blank");
        }
        if (value.length() > maxChars) {
            throw bad(field + " is " + value.length() + " characters; at most " + maxChars + " are allowed");
        }
    }

    /**
     * Text without control characters. Names used inside composite keys are followed by a 0x00 separator, so a NUL in
     * a name would make two keys ambiguous; other control characters are refused with it because they have no
     * business in a name.
     */
    public static void requireName(String field, String value, int maxChars) {
        requireText(field, value, maxChars);
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw bad(field + " must not contain control characters");
        }
    }

    public static void requireRange(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw bad(field + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    /** A content address: 64 lower-case hex digits. */
    public static void requireSha256(String field, String value) {
        if (!isSha256(value)) {
            throw bad(field + " must be 64 lower-case hex digits (a SHA-256), got "
                    + (value == null ? "nothing" : "'" + abbreviate(value) + "'"));
        }
    }

    public static boolean isSha256(String value) {
        return value != null && value.length() == 64 && value.chars().allMatch(Checks::isLowerHex);
    }

    private static boolean isLowerHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }

    /** Keeps error messages bounded even when the offending input is huge. */
    public static String abbreviate(String value) {
        return value.length() <= 80 ? value : value.substring(0, 77) + "...";
    }
}
