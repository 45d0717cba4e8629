package io.corral.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class QueueBenchTest {
    @Test
    void aSampleIsTheTimeFromSendToClaimWhicheverIsKnownFirst() {
        QueueBench.Rendezvous r = new QueueBench.Rendezvous();
        r.sent("a", 100, true);
        r.claimed("a", 350);
        r.claimed("b", 900); // the lease overtook the acknowledgement
        r.sent("b", 600, true);
        r.sent("c", 1000, false); // warm-up: paired, not counted
        r.claimed("c", 1200);
        r.sent("d", 2000, true); // never claimed

        assertThat(r.samples().toArray()).containsExactly(250, 300);
        assertThat(r.unclaimed()).isEqualTo(1);
    }

    @Test
    void awaitingPendingClaimsWakesWhenTheLastIsHeldAndSaysWhetherItWas() throws Exception {
        QueueBench.Rendezvous r = new QueueBench.Rendezvous();
        r.sent("a", 100, false);
        assertThat(r.awaitPending(TimeUnit.MILLISECONDS.toNanos(20))).isFalse();

        CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(() -> {
            try {
                return r.awaitPending(TimeUnit.SECONDS.toNanos(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        r.claimed("a", 200);
        assertThat(waited.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(r.awaitPending(0)).isTrue();
    }

    @Test
    void keysSortInSubmissionOrderWithinAClient() {
        assertThat(QueueBench.key(3, 9)).isLessThan(QueueBench.key(3, 10));
        assertThat(QueueBench.key(3, 999_999)).isLessThan(QueueBench.key(0, 1_000_000));
    }
}
