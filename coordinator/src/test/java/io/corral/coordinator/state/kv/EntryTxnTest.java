package io.corral.coordinator.state.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EntryTxnTest {
    private final FakeKv kv = new FakeKv();
    private FakeKv.Txn storeTxn;
    private int storeReads;
    private EntryTxn txn;

    @BeforeEach
    void begin() {
        FakeKv.Txn seed = kv.begin();
        seed.put(Space.META, b("counter"), b("1"));
        seed.put(Space.JOBS, b("a"), b("A"));
        seed.put(Space.JOBS, b("c"), b("C"));
        seed.commit();
        storeTxn = kv.begin();
        txn = new EntryTxn(new KvTxn() {
            @Override
            public byte[] get(Space space, byte[] key) {
                storeReads++;
                return storeTxn.get(space, key);
            }

            @Override
            public void scan(Space space, byte[] from, byte[] to, boolean reverse, Visitor visitor) {
                storeTxn.scan(space, from, to, reverse, visitor);
            }

            @Override
            public void put(Space space, byte[] key, byte[] value) {
                storeTxn.put(space, key, value);
            }

            @Override
            public void delete(Space space, byte[] key) {
                storeTxn.delete(space, key);
            }
        });
    }

    @Test
    void aKeyWrittenByManyCommandsReachesTheStoreOnceWithItsLastValue() {
        for (int i = 2; i <= 40; i++) {
            txn.put(Space.META, b("counter"), b(Integer.toString(i)));
        }
        assertThat(storeTxn.writes()).isZero();
        txn.flush();
        assertThat(storeTxn.writes()).isEqualTo(1);
        storeTxn.commit();
        assertThat(s(kv.get(Space.META, b("counter")))).isEqualTo("40");
    }

    @Test
    void aKeyReadByManyCommandsIsReadFromTheStoreOnce() {
        for (int i = 0; i < 40; i++) {
            assertThat(s(txn.get(Space.JOBS, b("a")))).isEqualTo("A");
            assertThat(txn.get(Space.JOBS, b("missing"))).isNull();
        }
        assertThat(storeReads).isEqualTo(2);
    }

    @Test
    void readsSeeTheEntrysOwnPutsAndDeletes() {
        txn.put(Space.JOBS, b("b"), b("B"));
        txn.delete(Space.JOBS, b("a"));
        assertThat(s(txn.get(Space.JOBS, b("b")))).isEqualTo("B");
        assertThat(txn.get(Space.JOBS, b("a"))).isNull();
        txn.put(Space.JOBS, b("a"), b("A2"));
        assertThat(s(txn.get(Space.JOBS, b("a")))).isEqualTo("A2");
        // Spaces are apart: the same key in another space is another key.
        assertThat(txn.get(Space.TASKS, b("b"))).isNull();
    }

    @Test
    void aScanSeesTheWritesHeldSoFar() {
        txn.put(Space.JOBS, b("b"), b("B"));
        txn.delete(Space.JOBS, b("c"));
        List<String> seen = new ArrayList<>();
        txn.scan(Space.JOBS, null, null, false, (k, v) -> seen.add(s(k) + "=" + s(v)));
        assertThat(seen).containsExactly("a=A", "b=B");
        // Written to the store before the scan, and not again by the entry's end.
        txn.flush();
        assertThat(storeTxn.writes()).isEqualTo(2);
    }

    @Test
    void aDeletedKeyIsDeletedFromTheStore() {
        txn.put(Space.JOBS, b("a"), b("changed"));
        txn.delete(Space.JOBS, b("a"));
        txn.flush();
        storeTxn.commit();
        assertThat(kv.get(Space.JOBS, b("a"))).isNull();
        assertThat(s(kv.get(Space.JOBS, b("c")))).isEqualTo("C");
    }

    @Test
    void arraysPutOrGotAreCopies() {
        byte[] key = b("k");
        byte[] value = b("v");
        txn.put(Space.JOBS, key, value);
        value[0] = 'x';
        key[0] = 'x';
        byte[] got = txn.get(Space.JOBS, b("k"));
        assertThat(s(got)).isEqualTo("v");
        got[0] = 'y';
        assertThat(s(txn.get(Space.JOBS, b("k")))).isEqualTo("v");
        assertThat(txn.get(Space.JOBS, b("x"))).isNull();
        txn.flush();
        storeTxn.commit();
        assertThat(s(kv.get(Space.JOBS, b("k")))).isEqualTo("v");
    }

    @Test
    void writesAfterAFlushAreHeldAgain() {
        txn.put(Space.META, b("counter"), b("2"));
        txn.flush();
        txn.put(Space.META, b("counter"), b("3"));
        txn.flush();
        txn.flush();
        assertThat(storeTxn.writes()).isEqualTo(2);
        storeTxn.commit();
        assertThat(s(kv.get(Space.META, b("counter")))).isEqualTo("3");
    }

    @Test
    void aLargeValueGoesStraightToTheStoreAndIsNotHeld() {
        byte[] chunk = new byte[EntryTxn.HELD_VALUE_MAX_BYTES + 1];
        chunk[0] = 7;
        txn.put(Space.BLOB_CHUNKS, b("chunk"), b("small first"));
        txn.put(Space.BLOB_CHUNKS, b("chunk"), chunk);
        assertThat(storeTxn.writes()).isEqualTo(1);

        // Read from the store every time, not remembered.
        assertThat(txn.get(Space.BLOB_CHUNKS, b("chunk"))).isEqualTo(chunk);
        assertThat(txn.get(Space.BLOB_CHUNKS, b("chunk"))).isEqualTo(chunk);
        assertThat(storeReads).isEqualTo(2);

        // The small value held before it is not written over it at the flush.
        txn.flush();
        storeTxn.commit();
        assertThat(kv.get(Space.BLOB_CHUNKS, b("chunk"))).isEqualTo(chunk);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
