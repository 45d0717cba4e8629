package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
        "500ms, 500",
        "30s, 30000",
        "5m, 300000",
        "1h, 3600000",
        "2d, 172800000",
        "1h30m, 5400000",
        "1m30s, 90000",
        "1h0m5s250ms, 3605250",
        "0s, 0",
        "' 10S ', 10000"
    })
    void parsesUnitsAndCombinations(String text, long expectedMs) {
        assertThat(Durations.parseMillis(text)).isEqualTo(expectedMs);
    }

    @Test
    void bareNumberIsRefusedBecauseItsUnitIsAGuess() {
        assertThatThrownBy(() -> Durations.parseMillis("30"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'30' has no unit")
                .hasMessageContaining("30s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "s", "10x", "1.5s", "-5s", "1h 30m", "abc", "10ss", "5m1"})
    void malformedDurationsAreRefusedWithTheExpectedForm(String text) {
        assertThatThrownBy(() -> Durations.parseMillis(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1h30m");
    }

    @ParameterizedTest
    @ValueSource(strings = {"30m1h", "1m1m", "5s2m"})
    void unitsMustComeOnceLargestFirst(String text) {
        assertThatThrownBy(() -> Durations.parseMillis(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("largest first");
    }

    @Test
    void absurdlyLongDurationsAreRefusedInsteadOfOverflowing() {
        assertThatThrownBy(() -> Durations.parseMillis("999999999999d"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than 365 days");
        assertThatThrownBy(() -> Durations.parseMillis("365d1ms")).hasMessageContaining("longer than 365 days");
    }

    @Test
    void formatIsTheInverseForWholeUnits() {
        assertThat(Durations.format(90_000)).isEqualTo("1m30s");
        assertThat(Durations.format(500)).isEqualTo("500ms");
        assertThat(Durations.format(0)).isEqualTo("0s");
        assertThat(Durations.format(86_400_000L + 1)).isEqualTo("1d1ms");
        for (String s : new String[] {"1h30m", "2d", "1m30s250ms"}) {
            assertThat(Durations.format(Durations.parseMillis(s))).isEqualTo(s);
        }
    }

    @Test
    void converterReportsAPicocliConversionError() {
        assertThatThrownBy(() -> new Durations.Converter().convert("soon"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("invalid duration 'soon'");
    }
}
