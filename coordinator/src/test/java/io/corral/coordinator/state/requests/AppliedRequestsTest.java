package io.corral.coordinator.state.requests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.coordinator.state.kv.FakeKv;
import io.corral.coordinator.state.kv.Space;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The replicated request log: answers by request id, dropped after the retention, a few per entry. */
class AppliedRequestsTest {
    private final FakeKv kv = new FakeKv();

    private void record(String id, long atMs, String answer) {
        FakeKv.Txn txn = kv.begin();
        AppliedRequests.record(txn, id, atMs, answer.getBytes(StandardCharsets.UTF_8));
        txn.commit();
    }

    private int collect(long nowMs, int max) {
        FakeKv.Txn txn = kv.begin();
        int n = AppliedRequests.collect(txn, nowMs, max);
        txn.commit();
        return n;
    }

    private String answer(String id) {
        byte[] a = AppliedRequests.answer(kv, id);
        return a == null ? null : new String(a, StandardCharsets.UTF_8);
    }

    @Test
    void anAnswerIsKeptForTheRetentionThenDropped() {
        record("client-a/1", 1_000, "granted 5");
        record("client-a/2", 2_000, "granted 6");
        assertThat(answer("client-a/1")).isEqualTo("granted 5");
        assertThat(answer("client-b/1")).isNull();

        assertThat(collect(1_000 + AppliedRequests.RETENTION_MS - 1, 10)).isZero();
        assertThat(answer("client-a/1")).isEqualTo("granted 5");

        assertThat(collect(1_000 + AppliedRequests.RETENTION_MS, 10)).isEqualTo(1);
        assertThat(answer("client-a/1")).isNull();
        assertThat(answer("client-a/2")).isEqualTo("granted 6");
        assertThat(kv.size(Space.REQUESTS_BY_AGE)).isEqualTo(1);
    }

    @Test
    void collectionIsBoundedPerEntryAndOldestFirst() {
        for (int i = 0; i < 10; i++) {
            record("c/" + i, 100 + i, "a" + i);
        }
        long later = 200 + AppliedRequests.RETENTION_MS;
        assertThat(collect(later, 4)).isEqualTo(4);
        assertThat(answer("c/3")).isNull();
        assertThat(answer("c/4")).isEqualTo("a4");
        assertThat(collect(later, 100)).isEqualTo(6);
        assertThat(kv.size(Space.REQUESTS)).isZero();
        assertThat(kv.size(Space.REQUESTS_BY_AGE)).isZero();
    }

    @Test
    void requestIdsAreBounded() {
        FakeKv.Txn txn = kv.begin();
        assertThatThrownBy(() -> AppliedRequests.record(txn, "", 1, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () -> AppliedRequests.record(txn, "x".repeat(AppliedRequests.MAX_ID_CHARS + 1), 1, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
