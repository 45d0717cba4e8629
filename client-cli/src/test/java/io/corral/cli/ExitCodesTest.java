package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.ErrorCode;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExitCodesTest {

    @Test
    void everyErrorCodeHasTheDocumentedExitCode() {
        Map<ErrorCode, Integer> expected = new EnumMap<>(ErrorCode.class);
        expected.put(ErrorCode.BAD_REQUEST, 2);
        expected.put(ErrorCode.TOO_LARGE, 2);
        expected.put(ErrorCode.NOT_FOUND, 3);
        expected.put(ErrorCode.UNAVAILABLE, 4);
        expected.put(ErrorCode.TIMEOUT, 4);
        expected.put(ErrorCode.OVERLOADED, 4);
        expected.put(ErrorCode.LOCK_HELD, 5);
        expected.put(ErrorCode.STALE_TOKEN, 6);
        expected.put(ErrorCode.STALE_LEASE, 6);
        expected.put(ErrorCode.INTERNAL, 1);
        expected.put(ErrorCode.CONFLICT, 1);
        expected.put(ErrorCode.HASH_MISMATCH, 1);
        expected.put(ErrorCode.BLOB_MISSING, 1);
        expected.put(ErrorCode.UNSUPPORTED_VERSION, 1);
        expected.put(ErrorCode.UNAUTHENTICATED, 7);
        expected.put(ErrorCode.PERMISSION_DENIED, 7);
        // A new error code must be added here, which is the moment to decide what scripts see for it.
        assertThat(expected.keySet()).containsExactlyInAnyOrder(ErrorCode.values());
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(ExitCodes.of(code)).as(code.name()).isEqualTo(expected.get(code));
        }
    }

    @Test
    void helpFooterListsEveryExitCode() {
        String footer = String.format(ExitCodes.FOOTER);
        for (int code = 0; code <= 7; code++) {
            assertThat(footer).contains("  " + code + "  ");
        }
    }
}
