package io.corral.coordinator.state.kv;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IndexSequenceTest {
    private final FakeKv kv = new FakeKv();
    private final IndexSequence sequence = new IndexSequence("last-test-number");

    @Test
    void aTakerAloneInItsEntryGetsTheEntrysIndex() {
        assertThat(takeInEntry(7, 1)).containsExactly(7);
        assertThat(takeInEntry(12, 1)).containsExactly(12);
        assertThat(sequence.last(kv)).isEqualTo(12);
    }

    @Test
    void takersSharingAnEntryGetConsecutiveNumbersAndTheNextEntryNeverReusesThem() {
        assertThat(takeInEntry(10, 3)).containsExactly(10, 11, 12);
        assertThat(takeInEntry(11, 1)).containsExactly(13);
        assertThat(takeInEntry(20, 1)).containsExactly(20);
    }

    @Test
    void twoSequencesDoNotShareNumbers() {
        IndexSequence other = new IndexSequence("last-other-number");
        FakeKv.Txn txn = kv.begin();
        assertThat(sequence.next(txn, 5)).isEqualTo(5);
        assertThat(other.next(txn, 5)).isEqualTo(5);
        assertThat(sequence.next(txn, 5)).isEqualTo(6);
        txn.commit();
        assertThat(other.last(kv)).isEqualTo(5);
    }

    @Test
    void aDiscardedEntryTakesNothing() {
        FakeKv.Txn txn = kv.begin();
        sequence.next(txn, 9);
        txn.discard();
        assertThat(sequence.last(kv)).isZero();
        assertThat(takeInEntry(9, 1)).containsExactly(9);
    }

    private long[] takeInEntry(long index, int takers) {
        FakeKv.Txn txn = kv.begin();
        long[] out = new long[takers];
        for (int i = 0; i < takers; i++) {
            out[i] = sequence.next(txn, index);
        }
        txn.commit();
        return out;
    }
}
