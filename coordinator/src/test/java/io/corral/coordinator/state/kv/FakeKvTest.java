package io.corral.coordinator.state.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FakeKvTest {
    private static byte[] k(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }

    private static List<Integer> firstBytes(KvView view, byte[] from, byte[] to, boolean reverse) {
        List<Integer> out = new ArrayList<>();
        view.scan(Space.JOBS, from, to, reverse, (key, value) -> out.add(key[0] & 0xFF));
        return out;
    }

    @Test
    void keysCompareAsUnsignedBytes() {
        FakeKv kv = new FakeKv();
        FakeKv.Txn txn = kv.begin();
        txn.put(Space.JOBS, k(0x80), k(1));
        txn.put(Space.JOBS, k(0x01), k(1));
        txn.put(Space.JOBS, k(0xFF), k(1));
        txn.commit();
        assertThat(firstBytes(kv, null, null, false)).containsExactly(0x01, 0x80, 0xFF);
        assertThat(firstBytes(kv, null, null, true)).containsExactly(0xFF, 0x80, 0x01);
        assertThat(firstBytes(kv, k(0x02), k(0xFF), false)).containsExactly(0x80);
        assertThat(firstBytes(kv, k(0xFF), k(0x02), false)).isEmpty();
    }

    @Test
    void transactionsReadTheirOwnWritesAndMergeScans() {
        FakeKv kv = new FakeKv();
        FakeKv.Txn setup = kv.begin();
        for (int i = 1; i <= 5; i++) {
            setup.put(Space.JOBS, k(i * 10), k(i));
        }
        setup.commit();
        FakeKv.Txn txn = kv.begin();
        txn.delete(Space.JOBS, k(20));
        txn.put(Space.JOBS, k(25), k(9));
        txn.put(Space.JOBS, k(30), k(99));
        assertThat(txn.get(Space.JOBS, k(20))).isNull();
        assertThat(txn.get(Space.JOBS, k(30))).containsExactly(99);
        assertThat(kv.get(Space.JOBS, k(30))).containsExactly(3);
        assertThat(firstBytes(txn, null, null, false)).containsExactly(10, 25, 30, 40, 50);
        assertThat(firstBytes(txn, k(15), k(45), true)).containsExactly(40, 30, 25);
        List<Integer> stopped = new ArrayList<>();
        txn.scan(Space.JOBS, null, null, false, (key, value) -> {
            stopped.add(key[0] & 0xFF);
            return stopped.size() < 2;
        });
        assertThat(stopped).containsExactly(10, 25);
        assertThat(txn.writes()).isEqualTo(3);
        txn.commit();
        assertThat(firstBytes(kv, null, null, false)).containsExactly(10, 25, 30, 40, 50);
        assertThat(kv.get(Space.JOBS, k(30))).containsExactly(99);
    }

    @Test
    void discardedTransactionsLeaveNoTrace() {
        FakeKv kv = new FakeKv();
        FakeKv.Txn txn = kv.begin();
        txn.put(Space.LOCKS, k(1), k(1));
        txn.discard();
        assertThat(kv.size(Space.LOCKS)).isZero();
        assertThatThrownBy(() -> txn.put(Space.LOCKS, k(2), k(2))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void valuesAreCopiedInAndOut() {
        FakeKv kv = new FakeKv();
        FakeKv.Txn txn = kv.begin();
        byte[] value = k(1, 2);
        txn.put(Space.META, k(1), value);
        value[0] = 9;
        txn.get(Space.META, k(1))[1] = 9;
        txn.commit();
        assertThat(kv.get(Space.META, k(1))).containsExactly(1, 2);
    }
}
