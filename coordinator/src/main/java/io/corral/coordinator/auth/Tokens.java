package io.corral.coordinator.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Token secrets and their hashes. A secret is {@code corral_} and 43 URL-safe base64 characters (256 random bits);
 * the prefix makes a leaked one easy to recognize (and to search logs and repositories for). Coordinators keep only
 * the SHA-256 of each secret, in lower-case hex.
 */
public final class Tokens {
    static final String PREFIX = "corral_";
    static final int RANDOM_BYTES = 32;

    private static final SecureRandom RANDOM = new SecureRandom();

    private Tokens() {}

    /** A new secret, from the system's strong random source. */
    public static String generate() {
        byte[] bytes = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** SHA-256 of the secret's UTF-8 bytes. */
    public static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** What a tokens file holds for the secret: its SHA-256 in lower-case hex. */
    public static String sha256Hex(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }

    /**
     * A secret as read from a file or the environment: surrounding whitespace (a trailing newline) removed. Null for
     * an empty one.
     */
    public static String clean(String raw) {
        if (raw == null) {
            return null;
        }
        String s = raw.strip();
        return s.isEmpty() ? null : s;
    }
}
