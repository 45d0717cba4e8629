package io.corral.protocol.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.transport.internal.EventLoops;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A loop that does not run a no-op within the bound makes its group unresponsive. */
class EventLoopProbeTest {
    @Test
    void aBlockedLoopIsUnresponsiveUntilItRunsAgain() throws Exception {
        EventLoopGroup group = EventLoops.nio(2, "probe-test", true);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        try {
            assertThat(EventLoopProbe.responsive(group, 10_000)).isTrue();

            group.next().execute(() -> {
                blocked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(EventLoopProbe.responsive(group, 50)).isFalse();

            release.countDown();
            assertThat(EventLoopProbe.responsive(group, 10_000)).isTrue();
        } finally {
            release.countDown();
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
        assertThat(EventLoopProbe.responsive(group, 10_000)).isFalse();
    }
}
