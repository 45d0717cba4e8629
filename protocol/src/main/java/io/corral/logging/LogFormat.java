package io.corral.logging;

import java.util.Locale;

/**
 * A daemon's log format: {@code text} (the default) or {@code json}, from the system property {@value #PROPERTY},
 * else the environment variable {@value #ENV}. Read once, when logging starts ({@link DaemonLayout}).
 *
 * <p>Why not a configuration key: logging starts before the configuration is read (the JVM and Ratis log early), so
 * a key would switch formats in the middle of the stream, and a log shipper would meet text lines in a JSON stream.
 * The environment is there from the first line; under systemd it comes from the unit's environment file.
 */
public final class LogFormat {
    public static final String ENV = "CORRAL_LOG_FORMAT";
    public static final String PROPERTY = "corral.log.format";

    private LogFormat() {}

    /** {@code text} or {@code json}, as the process was asked. */
    public static String fromEnvironment() {
        String value = System.getProperty(PROPERTY);
        return resolve(value != null ? value : System.getenv(ENV));
    }

    /**
     * {@code text} or {@code json}. Anything else logs as text, after one line on stderr that says so: a typo in a
     * logging setting should be seen, but is no reason to refuse to start a Raft member.
     */
    static String resolve(String value) {
        if (value == null || value.isBlank()) {
            return "text";
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.equals("text") || v.equals("json")) {
            return v;
        }
        System.err.println("corral: " + ENV + " (or -D" + PROPERTY + ") is '" + value
                + "', which is neither text nor json; logging as text");
        return "text";
    }
}
