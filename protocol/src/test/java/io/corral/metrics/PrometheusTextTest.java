package io.corral.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    @Test
    void histogramBucketsAreCumulativeAndEndInInf() {
        Histogram h = new Histogram(new double[] {0.1, 1});
        h.observe(0.05);
        h.observe(0.5);
        h.observe(7);
        String text = new PrometheusText()
                .header("x_seconds", "histogram", "a test")
                .histogram("x_seconds", Map.of("type", "A"), h)
                .toString();
        assertThat(text)
                .contains("# TYPE x_seconds histogram\n")
                .contains("x_seconds_bucket{type=\"A\",le=\"0.1\"} 1\n")
                .contains("x_seconds_bucket{type=\"A\",le=\"1\"} 2\n")
                .contains("x_seconds_bucket{type=\"A\",le=\"+Inf\"} 3\n")
                .contains("x_seconds_sum{type=\"A\"} 7.55\n")
                .contains("x_seconds_count{type=\"A\"} 3\n");
    }

    @Test
    void labelValuesAreEscaped() {
        String text = new PrometheusText()
                .sample("x", Map.of("why", "a \"quoted\"\\path\nline"), 1)
                .toString();
        assertThat(text).isEqualTo("x{why=\"a \\\"quoted\\\"\\\\path\\nline\"} 1\n");
    }

    @Test
    void bucketsMustIncrease() {
        assertThatThrownBy(() -> new Histogram(new double[] {1, 1})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Histogram(new double[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jvmMetricsNameHeapThreadsAndPauses() {
        ByteBuffer held = ByteBuffer.allocateDirect(1 << 20);
        String text = jvmText();
        assertThat(text)
                .contains("# TYPE corral_jvm_heap_used_bytes gauge")
                .contains("# TYPE corral_jvm_heap_max_bytes gauge")
                .contains("# TYPE corral_jvm_direct_buffer_bytes gauge")
                .contains("# TYPE corral_jvm_threads gauge")
                .contains("# TYPE corral_jvm_gc_pause_seconds histogram")
                .contains("corral_jvm_gc_pause_seconds_bucket{le=\"+Inf\"}");
        assertThat(JvmMetrics.directBufferBytes()).isGreaterThanOrEqualTo(held.capacity());
        assertThat(JvmMetrics.pauses("G1 Young Generation")).isTrue();
        assertThat(JvmMetrics.pauses("PS MarkSweep")).isTrue();
        assertThat(JvmMetrics.pauses("ZGC Cycles")).isFalse();
        assertThat(JvmMetrics.pauses("G1 Concurrent GC")).isFalse();
    }

    private static String jvmText() {
        PrometheusText p = new PrometheusText();
        JvmMetrics.shared().write(p);
        return p.toString();
    }
}
