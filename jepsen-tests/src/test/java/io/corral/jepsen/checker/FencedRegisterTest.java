package io.corral.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FencedRegisterTest {
    private final FencedRegister register = new FencedRegister();

    @Test
    void acceptsTokensAtLeastTheHighestSeen() {
        assertThat(register.read("a", 5)).hasValue(0);
        assertThat(register.write("a", 5, 0, 1)).isTrue();
        assertThat(register.write("a", 5, 1, 2)).isTrue(); // the same holder again
        assertThat(register.read("a", 9)).hasValue(2);
        assertThat(register.write("a", 7, 2, 3)).isFalse();
        assertThat(register.read("a", 7)).isEmpty();

        FencedRegister.Cell cell = register.snapshot().get("a");
        assertThat(cell.value()).isEqualTo(2);
        assertThat(cell.highestToken()).isEqualTo(9);
        assertThat(cell.refused()).isEqualTo(2);
        assertThat(cell.accepted()).extracting(FencedRegister.Write::token).containsExactly(5L, 5L);
    }

    @Test
    void fencedReadsStopTheLostUpdateOfAHolderWhoseLockLapsed() {
        assertThat(register.read("a", 1)).hasValue(0); // the old holder reads
        assertThat(register.read("a", 2)).hasValue(0); // the new holder reads
        assertThat(register.write("a", 1, 0, 1)).isFalse(); // the old holder's write is refused
        assertThat(register.write("a", 2, 0, 1)).isTrue();
    }

    @Test
    void locksAreIndependent() {
        register.read("a", 9);
        assertThat(register.read("b", 1)).hasValue(0);
        assertThat(register.write("b", 1, 0, 1)).isTrue();
        assertThat(register.snapshot()).containsOnlyKeys("a", "b");
    }

    @Test
    void isBounded() {
        FencedRegister small = new FencedRegister(1);
        small.write("a", 1, 0, 1);
        assertThatThrownBy(() -> small.write("a", 1, 1, 2)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void concurrentHoldersWithDistinctTokensLoseNoUpdate() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        long token = i * 8L + thread + 1;
                        register.read("a", token).ifPresent(v -> register.write("a", token, v, v + 1));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        CheckResult r = new FencedRegisterChecker().check(new HistoryBuilder().build(), register.snapshot());

        // The history is empty here, so only the log is judged; none of its writes may have been lost.
        assertThat(r.count("lost-update")).isZero();
        assertThat(r.count("final-value")).isZero();
    }
}
