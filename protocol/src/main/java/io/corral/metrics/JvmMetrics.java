package io.corral.metrics;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.Locale;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * A few JVM figures for both daemons: heap, direct buffers, threads and stop-the-world GC pauses. Pauses are recorded one by one
 * from the collectors' notifications, so the histogram shows the longest pauses (the ones that compete with the Raft
 * election timeout), not only their total. One instance per JVM: the listeners are registered once.
 */
public final class JvmMetrics {
    /** 1 ms to 10 s: a young pause to a full collection of a large heap. */
    static final double[] PAUSE_BUCKETS_SECONDS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private static final JvmMetrics SHARED = new JvmMetrics();

    private final Histogram pauses = new Histogram(PAUSE_BUCKETS_SECONDS);

    private JvmMetrics() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter && pauses(gc.getName())) {
                emitter.addNotificationListener((n, handback) -> onNotification(n), null, null);
            }
        }
    }

    public static JvmMetrics shared() {
        return SHARED;
    }

    /**
     * Whether a collector's notifications are pauses. ZGC and Shenandoah report their concurrent cycles through a
     * separate "… Cycles" bean (and newer G1 a "G1 Concurrent GC" one): those run beside the application, so they are
     * left out. Every other collector (Serial, Parallel, G1 young and full) stops the application for its duration.
     */
    static boolean pauses(String collectorName) {
        String n = collectorName.toLowerCase(Locale.ROOT);
        return !n.contains("cycles") && !n.contains("concurrent");
    }

    private void onNotification(Notification n) {
        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
            pauses.observe(info.getGcInfo().getDuration() / 1000.0);
        }
    }

    /**
     * Outside the heap, and limited separately (by default to the heap's maximum): when it runs out, every allocation
     * of a connection's buffer waits in the JDK for a collection that cannot free it, so it is worth watching.
     */
    static long directBufferBytes() {
        long used = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                used += pool.getMemoryUsed();
            }
        }
        return used;
    }

    public void write(PrometheusText p) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        p.gauge("corral_jvm_heap_used_bytes", "heap in use", heap.getUsed());
        p.gauge("corral_jvm_heap_max_bytes", "largest heap the JVM may use (-1: no limit)", heap.getMax());
        p.gauge(
                "corral_jvm_direct_buffer_bytes",
                "memory of the JVM's direct buffers: Netty's buffers and pools, where connections' bytes are held",
                directBufferBytes());
        p.gauge(
                "corral_jvm_threads",
                "live threads",
                ManagementFactory.getThreadMXBean().getThreadCount());
        p.histogram(
                "corral_jvm_gc_pause_seconds",
                "stop-the-world garbage-collection pauses (the _sum is the total paused time)",
                pauses);
        p.gauge(
                "corral_process_uptime_seconds",
                "time since the JVM started",
                ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0);
    }
}
