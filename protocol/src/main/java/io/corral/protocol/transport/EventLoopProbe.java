package io.corral.protocol.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Whether a Netty event loop group still runs tasks: a no-op submitted to each of its loops must run within a bound.
 * A loop stuck in a handler (a blocking call, an endless loop) serves nobody while its sockets stay open, which no
 * port check notices; this does, for the daemons' health checks.
 */
public final class EventLoopProbe {
    private EventLoopProbe() {}

    /** True when every loop of {@code group} ran a no-op within {@code timeoutMs} (in all, not each). */
    public static boolean responsive(EventLoopGroup group, long timeoutMs) {
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        List<Future<?>> probes = new ArrayList<>();
        try {
            for (EventExecutor loop : group) {
                if (loop.isShuttingDown()) {
                    return false;
                }
                probes.add(loop.submit(() -> {}));
            }
            for (Future<?> probe : probes) {
                long leftNanos = deadlineNanos - System.nanoTime();
                if (!probe.await(Math.max(0, leftNanos), TimeUnit.NANOSECONDS) || !probe.isSuccess()) {
                    return false;
                }
            }
            return true;
        } catch (RejectedExecutionException e) {
            return false; // shut down between the check and the submit
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
