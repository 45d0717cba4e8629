package io.corral.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuMeterTest {
    /** A stat line as Linux writes it, with a command name holding spaces and parentheses. */
    static String stat(long pid, String comm, long utime, long stime) {
        return pid + " (" + comm + ") S 1 2 3 0 -1 4194560 100 0 0 0 " + utime + " " + stime
                + " 0 0 20 0 30 0 5000 1000000 2000 18446744073709551615\n";
    }

    @Test
    void readsUserAndSystemTicksAfterTheCommandName() {
        assertThat(CpuMeter.ticks(stat(42, "java (x) y", 150, 50))).isEqualTo(200);
        assertThat(CpuMeter.comm(stat(42, "java (x) y", 1, 1))).isEqualTo("java (x) y");
        assertThatThrownBy(() -> CpuMeter.ticks("garbage")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void groupsAPoolsThreadsByTheirNameWithoutNumbers() {
        assertThat(CpuMeter.group("grpc-default-executor-3")).isEqualTo("grpc-default-executor");
        assertThat(CpuMeter.group("corral-rpc-io-12")).isEqualTo("corral-rpc-io");
        assertThat(CpuMeter.group("C2 CompilerThre")).isEqualTo("C CompilerThre");
        assertThat(CpuMeter.group("42")).isEqualTo("42");
    }

    @Test
    void sumsProcessesAndTheirThreadsInMilliseconds(@TempDir Path proc) throws Exception {
        write(proc, "10/stat", stat(10, "java", 300, 100));
        write(proc, "10/task/10/stat", stat(10, "main", 100, 0));
        write(proc, "10/task/11/stat", stat(11, "apply-1", 150, 50));
        write(proc, "10/task/12/stat", stat(12, "apply-2", 80, 20));
        write(proc, "20/stat", stat(20, "etcd", 7, 3));
        write(proc, "20/task/20/stat", stat(20, "etcd", 7, 3));
        CpuMeter m = new CpuMeter(proc, List.of(10L, 20L));

        assertThat(m.totalMs()).isEqualTo((400 + 10) * 10);
        assertThat(m.byThreadMs())
                .containsEntry("apply", 3000L)
                .containsEntry("main", 1000L)
                .containsEntry("etcd", 100L);
    }

    @Test
    void aProcessThatIsGoneIsNamed(@TempDir Path proc) {
        assertThatThrownBy(() -> new CpuMeter(proc, List.of(99L)).totalMs()).hasMessageContaining("process 99");
    }

    private static void write(Path root, String file, String text) throws Exception {
        Path p = root.resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
