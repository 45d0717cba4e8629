package io.corral.jepsen.report;

import io.corral.jepsen.history.OpType;
import io.corral.jepsen.nemesis.NemesisSchedule;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.DefaultDrawingSupplier;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's plots as PNG files: latency against time and throughput against time, one series per operation and
 * completion type (colour by type, as in Jepsen: ok blue, fail red, info amber; shape or dash by operation), with
 * every fault shaded as a translucent band labelled with its kind.
 */
final class Charts {
    static {
        // Reports are written on build machines without a display; AWT reads this once, at its first use.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    static final int WIDTH_PX = 1200;
    static final int HEIGHT_PX = 600;
    /** A log axis cannot show 0 ms; anything faster than this is drawn at it. */
    static final double MIN_LATENCY_MS = 0.01;

    private static final double NANOS_PER_SECOND = 1e9;
    private static final Map<OpType, Color> TYPE_COLOURS = new EnumMap<>(Map.of(
            OpType.OK, new Color(0x2E, 0x7D, 0xD1, 190),
            OpType.FAIL, new Color(0xD6, 0x27, 0x28, 210),
            OpType.INFO, new Color(0xFF, 0x9F, 0x1C, 210)));
    /** Fault bands: light enough that the points over them stay readable. */
    private static final Color[] FAULT_COLOURS = {
        new Color(0xE4, 0x1A, 0x1C, 40), new Color(0x98, 0x4E, 0xA3, 40), new Color(0x37, 0x7E, 0xB8, 40),
        new Color(0x4D, 0xAF, 0x4A, 40), new Color(0xA6, 0x56, 0x28, 40), new Color(0x99, 0x99, 0x99, 50)
    };

    private static final float[][] DASHES = {null, {8f, 4f}, {2f, 3f}, {10f, 3f, 2f, 3f}, {4f, 4f}};

    private Charts() {}

    /** Each completed operation at its completion time, its latency up to then on a log scale. */
    static void latency(
            List<Latencies.Completion> completions, List<NemesisSchedule.Period> faults, long spanNanos, Path png)
            throws IOException {
        Map<String, Map<OpType, XYSeries>> series = new TreeMap<>();
        double minMs = Double.MAX_VALUE;
        double maxMs = MIN_LATENCY_MS;
        for (Latencies.Completion c : completions) {
            XYSeries s = series.computeIfAbsent(c.f(), f -> new EnumMap<>(OpType.class))
                    .computeIfAbsent(c.type(), t -> newSeries(c.f(), t));
            double ms = Math.max(MIN_LATENCY_MS, c.latencyNanos() / 1e6);
            minMs = Math.min(minMs, ms);
            maxMs = Math.max(maxMs, ms);
            s.add(c.completeNanos() / NANOS_PER_SECOND, ms, false);
        }
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        XYSeriesCollection data = collect(series, renderer, (i, fIndex, type) -> {
            renderer.setSeriesShape(i, shape(fIndex));
            renderer.setSeriesPaint(i, TYPE_COLOURS.get(type));
        });
        LogAxis y = new LogAxis("latency (ms)");
        y.setBase(10);
        y.setSmallestValue(MIN_LATENCY_MS);
        // Labels at the powers of ten only, as plain numbers (0.1, 1, 10, 100): they read faster than 10^k or than
        // the fractional powers the automatic units pick; unlabelled minor ticks mark 2..9 in between.
        y.setNumberFormatOverride(new DecimalFormat("#,##0.##", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        y.setTickUnit(new NumberTickUnit(1), false, false);
        y.setAutoTickUnitSelection(false);
        y.setMinorTickCount(9);
        y.setMinorTickMarksVisible(true);
        // Whole decades, so that at least two labels show even when every latency lies between 2 and 8 ms.
        y.setRange(completions.isEmpty() ? 1 : decadeBelow(minMs), completions.isEmpty() ? 1_000 : decadeAbove(maxMs));
        save(new XYPlot(data, timeAxis(spanNanos), y, renderer), "Latency", faults, png);
    }

    /** Completions per second, one line per operation and type. */
    static void throughput(
            List<Latencies.Completion> completions, List<NemesisSchedule.Period> faults, long spanNanos, Path png)
            throws IOException {
        Map<String, Map<OpType, XYSeries>> series = new TreeMap<>();
        SortedMap<String, Map<OpType, long[]>> buckets = Throughput.perBucket(completions, spanNanos);
        double bucketSeconds = Throughput.BUCKET_NANOS / NANOS_PER_SECOND;
        buckets.forEach((f, byType) -> byType.forEach((type, counts) -> {
            XYSeries s = series.computeIfAbsent(f, k -> new EnumMap<>(OpType.class))
                    .computeIfAbsent(type, t -> newSeries(f, t));
            for (int i = 0; i < counts.length; i++) {
                // Drawn at the bucket's middle, so that a drop lines up with the fault band that caused it.
                s.add((i + 0.5) * bucketSeconds, counts[i] / bucketSeconds, false);
            }
        }));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        XYSeriesCollection data = collect(series, renderer, (i, fIndex, type) -> {
            renderer.setSeriesStroke(i, stroke(fIndex));
            renderer.setSeriesPaint(i, TYPE_COLOURS.get(type));
        });
        NumberAxis y = new NumberAxis("completions per second");
        y.setAutoRangeIncludesZero(true);
        save(new XYPlot(data, timeAxis(spanNanos), y, renderer), "Throughput", faults, png);
    }

    private interface SeriesStyle {
        void apply(int seriesIndex, int fIndex, OpType type);
    }

    private static XYSeriesCollection collect(
            Map<String, Map<OpType, XYSeries>> series, XYLineAndShapeRenderer renderer, SeriesStyle style) {
        XYSeriesCollection data = new XYSeriesCollection();
        int fIndex = 0;
        for (Map<OpType, XYSeries> byType : series.values()) {
            for (OpType type : OpCounts.COMPLETIONS) {
                XYSeries s = byType.get(type);
                if (s != null) {
                    style.apply(data.getSeriesCount(), fIndex, type);
                    data.addSeries(s);
                }
            }
            fIndex++;
        }
        renderer.setDefaultShapesFilled(true);
        renderer.setUseOutlinePaint(false);
        return data;
    }

    private static XYSeries newSeries(String f, OpType type) {
        // Unsorted, duplicates allowed: points arrive in time order, and two completions may share an instant.
        return new XYSeries(f + " " + OpCounts.name(type), false, true);
    }

    private static ValueAxis timeAxis(long spanNanos) {
        NumberAxis x = new NumberAxis("time since the start of the run (s)");
        x.setRange(0, Math.max(1, spanNanos / NANOS_PER_SECOND));
        return x;
    }

    private static void save(XYPlot plot, String title, List<NemesisSchedule.Period> faults, Path png)
            throws IOException {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        plot.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        shade(plot, faults);
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH_PX, HEIGHT_PX);
    }

    /** One band per fault, coloured by kind; labels alternate between two heights so that adjacent ones stay apart. */
    private static void shade(XYPlot plot, List<NemesisSchedule.Period> faults) {
        Map<String, Color> colours = new LinkedHashMap<>();
        List<NemesisSchedule.Period> sorted = new ArrayList<>(faults);
        sorted.sort((a, b) -> Long.compare(a.startNanos(), b.startNanos()));
        for (int i = 0; i < sorted.size(); i++) {
            NemesisSchedule.Period p = sorted.get(i);
            Color colour = colours.computeIfAbsent(p.kind(), k -> FAULT_COLOURS[colours.size() % FAULT_COLOURS.length]);
            IntervalMarker band = new IntervalMarker(
                    p.startNanos() / NANOS_PER_SECOND, Math.max(p.startNanos(), p.endNanos()) / NANOS_PER_SECOND);
            band.setPaint(colour);
            band.setAlpha(1f); // the colour carries the translucency; the default 0.8 would fade the label too
            band.setLabel(p.kind());
            band.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            band.setLabelPaint(Color.DARK_GRAY);
            band.setLabelBackgroundColor(new Color(255, 255, 255, 200)); // readable over the points
            band.setLabelAnchor(RectangleAnchor.TOP_LEFT);
            band.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            band.setLabelOffset(new RectangleInsets(i % 2 == 0 ? 4 : 18, 3, 4, 3));
            plot.addDomainMarker(band, Layer.BACKGROUND);
        }
    }

    static double decadeBelow(double v) {
        return Math.pow(10, Math.floor(Math.log10(v)));
    }

    /** The power of ten above {@code v}, strictly: a latency of exactly 100 ms gets 1000 as the top. */
    static double decadeAbove(double v) {
        return Math.pow(10, Math.floor(Math.log10(v)) + 1);
    }

    private static Shape shape(int fIndex) {
        Shape[] shapes = DefaultDrawingSupplier.createStandardSeriesShapes();
        return shapes[fIndex % shapes.length];
    }

    private static BasicStroke stroke(int fIndex) {
        float[] dash = DASHES[fIndex % DASHES.length];
        return new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, dash, 0f);
    }
}
