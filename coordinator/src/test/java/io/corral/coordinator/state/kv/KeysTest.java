package io.corral.coordinator.state.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class KeysTest {
    @Test
    void numbersRoundTripAndSortNumerically() {
        long[] values = {0, 1, 255, 256, 65_535, 1L << 31, (1L << 32) + 7, Long.MAX_VALUE};
        for (int i = 0; i < values.length; i++) {
            assertThat(Keys.readU64(Keys.u64(values[i]), 0)).isEqualTo(values[i]);
            if (i > 0) {
                assertThat(Arrays.compareUnsigned(Keys.u64(values[i - 1]), Keys.u64(values[i])))
                        .isNegative();
            }
        }
        for (int v : new int[] {0, 1, 0x7F, 0x80, 0xFF, 0x100, Integer.MAX_VALUE, -1, Integer.MIN_VALUE}) {
            assertThat(Keys.readU32(Keys.u32(v), 0)).isEqualTo(v);
        }
        assertThat(Arrays.compareUnsigned(Keys.u32(0x7F), Keys.u32(0x80))).isNegative();
    }

    @Test
    void prefixEndIsTheLeastKeyAfterThePrefix() {
        assertThat(Keys.prefixEnd(new byte[] {1, 2})).containsExactly(1, 3);
        assertThat(Keys.prefixEnd(new byte[] {1, (byte) 0xFF})).containsExactly(2);
        assertThat(Keys.prefixEnd(new byte[] {(byte) 0xFF, (byte) 0xFF})).isNull();
        assertThat(Keys.prefixEnd(Keys.EMPTY)).isNull();
        byte[] prefix = {5, 0};
        byte[] end = Keys.prefixEnd(prefix);
        assertThat(Arrays.compareUnsigned(Keys.concat(prefix, new byte[] {(byte) 0xFF, (byte) 0xFF}), end))
                .isNegative();
    }

    @Test
    void upToU64CoversExactlyTheKeysAtOrBeforeTheValue() {
        byte[] bound = Keys.upToU64(100);
        assertThat(Arrays.compareUnsigned(Keys.concat(Keys.u64(100), Keys.utf8("zzz")), bound))
                .isNegative();
        assertThat(Arrays.compareUnsigned(Keys.u64(101), bound)).isZero();
        assertThat(Keys.upToU64(-1)).isNull();
    }

    @Test
    void concatAndUtf8() {
        byte[] key = Keys.concat(Keys.utf8("ab"), Keys.SEPARATOR, Keys.u32(7));
        assertThat(key).containsExactly('a', 'b', 0, 0, 0, 0, 7);
        assertThat(Keys.utf8(key, 0, 2)).isEqualTo("ab");
        assertThat(Keys.utf8(Keys.utf8("héllo"), 0, 6)).isEqualTo("héllo");
    }
}
