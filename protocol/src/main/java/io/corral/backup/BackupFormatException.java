package io.corral.backup;

import java.io.IOException;

/**
 * A file that is not a usable backup: not a Corral backup at all, of an unknown format version, truncated, or with a
 * file whose size or SHA-256 differs from the manifest. Nothing read from such a file may be used.
 */
public final class BackupFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public BackupFormatException(String message) {
        super(message);
    }
}
