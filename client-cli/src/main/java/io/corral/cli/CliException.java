package io.corral.cli;

import io.corral.protocol.ErrorCode;

/**
 * An operating error found by the command line itself (bad input, no coordinators configured...). It carries the code
 * shown in JSON error output and the process exit code; it is reported as one line, never as a stack trace.
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final int exitCode;

    public CliException(String code, int exitCode, String message) {
        super(message);
        this.code = code;
        this.exitCode = exitCode;
    }

    /** Input that is wrong and would fail again unchanged: exit code 2, reported as BAD_REQUEST. */
    public static CliException badInput(String message) {
        return new CliException(ErrorCode.BAD_REQUEST.name(), ExitCodes.USAGE, message);
    }

    /** The command line itself is incomplete or contradictory: exit code 2, reported as USAGE. */
    public static CliException usage(String message) {
        return new CliException("USAGE", ExitCodes.USAGE, message);
    }

    public static CliException of(ErrorCode code, String message) {
        return new CliException(code.name(), ExitCodes.of(code), message);
    }

    public String code() {
        return code;
    }

    public int exitCode() {
        return exitCode;
    }
}
