package io.corral.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerIdsTest {
    @TempDir
    Path dir;

    @Test
    void theGeneratedIdIsKeptAndReusedAcrossRestarts() throws Exception {
        Path state = dir.resolve("state");
        String first = WorkerIds.loadOrCreate(state, () -> "Host_One.example");
        String again = WorkerIds.loadOrCreate(state, () -> "another-host");

        assertThat(first).matches("host-one\\.example-[0-9a-f]{8}");
        assertThat(again).isEqualTo(first);
        assertThat(Files.readString(state.resolve(WorkerIds.FILE)).trim()).isEqualTo(first);
    }

    @Test
    void twoStateDirectoriesOnOneHostGiveTwoIds() throws Exception {
        String a = WorkerIds.loadOrCreate(dir.resolve("a"), () -> "h");
        String b = WorkerIds.loadOrCreate(dir.resolve("b"), () -> "h");
        assertThat(a).isNotEqualTo(b).startsWith("h-");
    }
}
