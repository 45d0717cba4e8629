package io.corral.cli;

import io.corral.protocol.ErrorCode;
import io.corral.protocol.ops.InvalidOperationException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns whatever a command threw into the one-line message, error code and exit code the user sees. */
final class Failures {
    /**
     * @param unexpected true when the error is a bug rather than an operating error (the user is offered a way to see
     *     the stack trace)
     */
    record Failure(String code, int exitCode, String message, boolean unexpected) {}

    private Failures() {}

    static Failure describe(Throwable thrown) {
        Throwable t = unwrap(thrown);
        if (t instanceof CliException e) {
            return new Failure(e.code(), e.exitCode(), e.getMessage(), false);
        }
        if (t instanceof InvalidOperationException e) {
            return new Failure(ErrorCode.BAD_REQUEST.name(), ExitCodes.USAGE, e.getMessage(), false);
        }
        if (t instanceof IOException e) {
            return new Failure("IO_ERROR", ExitCodes.FAILURE, "I/O error: " + describeIo(e), false);
        }
        if (t instanceof InterruptedException) {
            return new Failure("INTERRUPTED", ExitCodes.FAILURE, "interrupted", false);
        }
        return new Failure(ErrorCode.INTERNAL.name(), ExitCodes.FAILURE, "unexpected error: " + t, true);
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cur = t;
        while ((cur instanceof CompletionException
                        || cur instanceof ExecutionException
                        || cur instanceof UncheckedIOException)
                && cur.getCause() != null) {
            cur = cur.getCause();
        }
        return cur;
    }

    /** NoSuchFileException and friends carry only the path as their message; say what happened to it. */
    private static String describeIo(IOException e) {
        String name = e.getClass().getSimpleName().replace("Exception", "");
        return e.getMessage() == null ? name : name + ": " + e.getMessage();
    }
}
