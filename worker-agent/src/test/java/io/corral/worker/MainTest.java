package io.corral.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.worker.internal.ConfigLoader;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
    @Test
    void flagsBecomeOverrides() {
        Main main = new Main();
        new CommandLine(main)
                .parseArgs(
                        "--coordinators",
                        "a:7201,b:7202",
                        "--id",
                        "w-7",
                        "--slots",
                        "3",
                        "--capabilities",
                        "gpu,big",
                        "--drain-grace",
                        "90s",
                        "--task-timeout",
                        "2m",
                        "--max-pixels",
                        "1000",
                        "--metrics-address",
                        "127.0.0.1:7401",
                        "--set",
                        "progressIntervalMs=10");
        WorkerConfig c = ConfigLoader.load(null, main.overrides());

        assertThat(c.coordinators()).containsExactly("a:7201", "b:7202");
        assertThat(c.id()).isEqualTo("w-7");
        assertThat(c.slots()).isEqualTo(3);
        assertThat(c.capabilities()).containsExactly("gpu", "big");
        assertThat(c.drainGraceMs()).isEqualTo(90_000);
        assertThat(c.taskTimeoutMs()).isEqualTo(120_000);
        assertThat(c.pipeline().maxPixels()).isEqualTo(1000);
        assertThat(c.progressIntervalMs()).isEqualTo(10);
        assertThat(c.metricsAddress()).isEqualTo("127.0.0.1:7401");
    }

    @Test
    void aConfigErrorExitsTwo() {
        int code = new CommandLine(new Main()).execute("--coordinators", "a:1", "--set", "nope=1");
        assertThat(code).isEqualTo(2);
    }
}
