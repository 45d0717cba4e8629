package io.corral.coordinator.backup;

import java.io.IOException;

/** A restore or export that will not run as asked (a non-empty directory, a running member...): nothing was written. */
public final class BackupRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public BackupRefusedException(String message) {
        super(message);
    }
}
