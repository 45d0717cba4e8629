package io.corral.protocol.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.Limits;
import io.corral.protocol.ops.Operation.Axis;
import io.corral.protocol.ops.Operation.Fit;
import io.corral.protocol.ops.Operation.Format;
import io.corral.protocol.ops.Operation.Position;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OperationTest {

    /** Each row: what a user may type, then its canonical form. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            resize:800x600                  | resize:800x600,fit
            resize:800x600,fit              | resize:800x600,fit
            resize:800x600,fill             | resize:800x600,fill
            resize:800x600,FORCE            | resize:800x600,force
            resize:800x600,no-upscale       | resize:800x600,fit,no-upscale
            resize:800x600,no-upscale,fill  | resize:800x600,fill,no-upscale
            RESIZE:1x1                      | resize:1x1,fit
            resize:65535x65535              | resize:65535x65535,fit
            thumbnail:256                   | thumbnail:256
            thumbnail:0256                  | thumbnail:256
            crop:100x80+10+20               | crop:100x80+10+20
            crop:1x1+0+0                    | crop:1x1+0+0
            rotate:90                       | rotate:90
            rotate:180                      | rotate:180
            rotate:270                      | rotate:270
            auto-orient                     | auto-orient
            flip:h                          | flip:h
            flip:V                          | flip:v
            grayscale                       | grayscale
            `  grayscale  `                 | grayscale
            blur:1.5                        | blur:1.5
            blur:2                          | blur:2
            blur:2.0                        | blur:2
            blur:0.001                      | blur:0.001
            blur:100                        | blur:100
            sharpen                         | sharpen
            watermark:(c) ACME              | `watermark:(c) ACME,southeast`
            watermark:(c) ACME,north        | `watermark:(c) ACME,north`
            watermark:(c) ACME,CENTER       | `watermark:(c) ACME,center`
            watermark:hello,world           | `watermark:hello,world,southeast`
            watermark:a:b                   | `watermark:a:b,southeast`
            format:jpeg                     | format:jpeg
            format:jpg                      | format:jpeg
            format:PNG                      | format:png
            format:webp,q=80                | format:webp,q=80
            format:jpeg,Q=100               | format:jpeg,q=100
            format:tiff                     | format:tiff
            format:gif                      | format:gif
            format:bmp                      | format:bmp
            keep-metadata                   | keep-metadata
            """)
    void parsesEveryFormToItsCanonicalText(String input, String canonical) {
        Operation op = Operation.parse(input);

        assertThat(op.canonical()).isEqualTo(canonical);
        assertThat(Operation.parse(op.canonical())).isEqualTo(op);
        assertThat(Operation.parse(op.canonical()).canonical()).isEqualTo(canonical);
    }

    @Test
    void parsesIntoTheExpectedRecords() {
        assertThat(Operation.parse("resize:800x600,fill,no-upscale"))
                .isEqualTo(new Operation.Resize(800, 600, Fit.FILL, false));
        assertThat(Operation.parse("crop:100x80+10+20")).isEqualTo(new Operation.Crop(100, 80, 10, 20));
        assertThat(Operation.parse("flip:h")).isEqualTo(new Operation.Flip(Axis.H));
        assertThat(Operation.parse("blur:0.5")).isEqualTo(new Operation.Blur(0.5));
        assertThat(Operation.parse("watermark:hi,northwest"))
                .isEqualTo(new Operation.Watermark("hi", Position.NORTHWEST));
        assertThat(Operation.parse("format:jpg,q=85")).isEqualTo(new Operation.Convert(Format.JPEG, 85));
    }

    /** Each row: the input, then a fragment the message must contain besides the quoted operation. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            resize:0x10                 | dimension 0 must be between 1 and 65535
            resize:10x0                 | dimension 0 must be between 1 and 65535
            resize:65536x10             | dimension 65536 must be between 1 and 65535
            resize:10                   | expected WxH
            resize:10X10                | expected WxH
            resize:-10x10               | expected WxH
            resize:10x10,sideways       | unexpected or repeated option 'sideways'
            resize:10x10,fit,fill       | unexpected or repeated option 'fill'
            resize:10x10,no-upscale,no-upscale | unexpected or repeated option 'no-upscale'
            `resize:10x10,`             | unexpected or repeated option ''
            resize:                     | missing arguments
            resize                      | missing arguments
            thumbnail:                  | missing arguments
            thumbnail:0                 | dimension 0 must be between 1 and 65535
            thumbnail:big               | expected a positive whole number
            crop:10x10                  | expected WxH+X+Y
            crop:10x10+1                | expected WxH+X+Y
            crop:0x10+1+1               | dimension 0 must be between 1 and 65535
            crop:10x10+70000+0          | offset 70000 exceeds 65535
            rotate:45                   | rotation must be 90, 180 or 270
            rotate:-90                  | rotation must be 90, 180 or 270
            rotate:360                  | rotation must be 90, 180 or 270
            flip:x                      | expected h|v
            blur:-1                     | sigma must be a decimal number
            blur:0                      | sigma must be > 0 and <= 100
            blur:100.5                  | sigma must be > 0 and <= 100
            blur:1e3                    | sigma must be a decimal number
            blur:NaN                    | sigma must be a decimal number
            watermark:,north            | watermark text is empty
            format:heic                 | expected jpeg|png|webp|gif|bmp|tiff
            format:jpeg,q=0             | quality must be q=N with N from 1 to 100
            format:jpeg,q=101           | quality must be q=N with N from 1 to 100
            format:jpeg,quality=80      | quality must be q=N with N from 1 to 100
            format:jpeg,q=80,q=90       | at most one option
            grayscale:1                 | takes no arguments
            sharpen:                    | takes no arguments
            auto-orient:yes             | takes no arguments
            keep-metadata:true          | takes no arguments
            unknown:1                   | unknown operation 'unknown'
            resize :10x10               | unknown operation 'resize '
            """)
    void refusesWithAMessageNamingTheOperation(String input, String rule) {
        assertThatThrownBy(() -> Operation.parse(input))
                .isInstanceOf(InvalidOperationException.class)
                .hasMessageStartingWith("'" + input.strip() + "'")
                .hasMessageContaining(rule);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t"})
    void refusesEmptyOperationsAndListsTheGrammar(String input) {
        assertThatThrownBy(() -> Operation.parse(input))
                .isInstanceOf(InvalidOperationException.class)
                .hasMessageStartingWith("empty operation; expected one of: resize:WxH");
    }

    @Test
    void refusesNull() {
        assertThatThrownBy(() -> Operation.parse(null))
                .isInstanceOf(InvalidOperationException.class)
                .hasMessageStartingWith("empty operation");
    }

    @Test
    void refusesOverlongOperationsWithoutEchoingThemWhole() {
        String longText = "watermark:" + "x".repeat(400);

        assertThatThrownBy(() -> Operation.parse(longText))
                .isInstanceOf(InvalidOperationException.class)
                .hasMessageStartingWith("operation longer than 300 characters: 'watermark:xxx")
                .hasMessageEndingWith("...'");
    }

    @Test
    void refusesOverlongWatermarkText() {
        String text = "watermark:" + "y".repeat(201);

        assertThatThrownBy(() -> Operation.parse(text))
                .isInstanceOf(InvalidOperationException.class)
                .hasMessageContaining("watermark text longer than 200");
    }

    @Test
    void refusesControlCharactersInWatermarks() {
        assertThatThrownBy(() -> Operation.parse("watermark:a\u0007b"))
                .isInstanceOf(InvalidOperationException.class)
                .hasMessageContaining("control characters");
    }

    /** Leading and trailing spaces of the whole operation are dropped, so they must not survive in the text. */
    @Test
    void watermarkTextKeepsInnerSpacesOnly() {
        Operation op = Operation.parse("  watermark:  two  words  ");

        assertThat(op).isEqualTo(new Operation.Watermark("  two  words", Position.SOUTHEAST));
        assertThat(Operation.parse(op.canonical())).isEqualTo(op);
    }

    @Test
    void canonicalizesAListAndStopsAtTheFirstBadOperation() {
        assertThat(Operations.canonicalize(List.of("resize:10x10", "format:jpg")))
                .containsExactly("resize:10x10,fit", "format:jpeg");
        assertThatThrownBy(() -> Operations.canonicalize(List.of("grayscale", "rotate:45", "blur:-1")))
                .isInstanceOf(InvalidOperationException.class)
                .hasMessageStartingWith("'rotate:45'");
    }

    @Test
    void limitsTheNumberOfOperations() {
        List<String> tooMany = new ArrayList<>(Collections.nCopies(Limits.MAX_OPERATIONS_PER_JOB + 1, "grayscale"));

        assertThat(Operations.canonicalize(tooMany.subList(0, Limits.MAX_OPERATIONS_PER_JOB)))
                .hasSize(Limits.MAX_OPERATIONS_PER_JOB);
        assertThatThrownBy(() -> Operations.canonicalize(tooMany))
                .isInstanceOf(InvalidOperationException.class)
                .hasMessage("33 operations; a job takes at most 32");
    }
}
