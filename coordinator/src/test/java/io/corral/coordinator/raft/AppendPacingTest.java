package io.corral.coordinator.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;

/** How often a leader tries again to reach a follower whose appends fail: what bounds a restarted member's wait. */
class AppendPacingTest {
    private static RetryPolicy policy() {
        RaftProperties p = new RaftProperties();
        RaftNode.paceAppends(p);
        return RetryPolicy.parse(RaftServerConfigKeys.Log.Appender.retryPolicy(p));
    }

    private static long waitMs(RetryPolicy policy, int errors) {
        return policy.handleAttemptFailure(() -> errors).getSleepTime().toLong(TimeUnit.MILLISECONDS);
    }

    @Test
    void aFollowerDownForLongIsTriedAgainWithinTheBoundNotEveryFiveSeconds() {
        RetryPolicy policy = policy();
        // Ratis randomizes each wait to 50..150 % of the policy's figure.
        long boundMs = RaftNode.APPENDER_ERROR_RETRY_MAX_MS * 3 / 2;
        IntStream.of(31, 100, 1_000, 10_000, 1_000_000, Integer.MAX_VALUE - 1)
                .forEach(errors -> assertThat(waitMs(policy, errors))
                        .as("wait after %d errors", errors)
                        .isBetween(1L, boundMs));
    }

    @Test
    void aFollowerThatJustFailedIsTriedAgainAtOnce() {
        assertThat(waitMs(policy(), 1)).isLessThanOrEqualTo(1);
    }
}
