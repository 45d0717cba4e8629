package io.corral.tls;

import java.nio.file.Path;

/**
 * A certificate, key or CA bundle that cannot be used. The message names what the file is for (the configuration key
 * or flag that gave it), the file and the problem, in one line, so a daemon can report it as a configuration error.
 */
public final class TlsFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String what;
    private final transient Path file;
    private final String problem;

    public TlsFileException(String what, Path file, String problem) {
        this(what, file, problem, null);
    }

    public TlsFileException(String what, Path file, String problem, Throwable cause) {
        super(what + " " + file + ": " + problem, cause);
        this.what = what;
        this.file = file;
        this.problem = problem;
    }

    /** What is wrong with the file, without the file's name or purpose. */
    public String problem() {
        return problem;
    }

    /** What the file is for, as given by the caller: a configuration key ({@code tls.certChain}) or a flag. */
    public String what() {
        return what;
    }

    public Path file() {
        return file;
    }
}
