package io.corral.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

class ConfigCacheTest {
    /** Operations 0 and 1 are determinate, 2, 3 and 4 are INFO. */
    private final ConfigCache<String> cache = new ConfigCache<>(bits(2, 3, 4));

    private static BitSet bits(int... ids) {
        BitSet b = new BitSet();
        for (int id : ids) {
            b.set(id);
        }
        return b;
    }

    @Test
    void theSameConfigurationIsExploredOnce() {
        assertThat(cache.add(bits(0), "s")).isTrue();
        assertThat(cache.add(bits(0), "s")).isFalse();
        assertThat(cache.add(bits(0), "t")).isTrue();
        assertThat(cache.add(bits(0, 1), "s")).isTrue();
    }

    @Test
    void moreInfoOperationsInTheSameStateArePruned() {
        assertThat(cache.add(bits(0, 2), "s")).isTrue();
        assertThat(cache.add(bits(0, 2, 3), "s")).isFalse(); // the INFO operation 3 can simply never happen
        assertThat(cache.add(bits(0, 3), "s")).isTrue(); // incomparable: not pruned
        assertThat(cache.add(bits(0, 2, 3), "t")).isTrue(); // another state
        assertThat(cache.size()).isEqualTo(3);
    }

    @Test
    void fewerInfoOperationsReplaceTheDominatedEntries() {
        assertThat(cache.add(bits(0, 2, 3), "s")).isTrue();
        assertThat(cache.add(bits(0, 3, 4), "s")).isTrue();
        assertThat(cache.add(bits(0, 3), "s")).isTrue(); // dominates both
        assertThat(cache.size()).isEqualTo(1);
        assertThat(cache.add(bits(0, 2, 3, 4), "s")).isFalse();
    }

    @Test
    void determinateOperationsAreNeverDominated() {
        assertThat(cache.add(bits(0), "s")).isTrue();
        assertThat(cache.add(bits(0, 1), "s")).isTrue();
    }

    @Test
    void theCallersBitSetIsNotKept() {
        BitSet b = bits(0, 2);
        cache.add(b, "s");
        b.set(1);
        assertThat(cache.add(bits(0, 2), "s")).isFalse();
    }
}
