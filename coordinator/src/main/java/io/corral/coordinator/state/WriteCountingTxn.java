package io.corral.coordinator.state;

import io.corral.coordinator.state.kv.KvTxn;
import io.corral.coordinator.state.kv.Space;

/** Counts the writes of one apply, so {@link StateCore} can assert that a refused command wrote nothing. */
final class WriteCountingTxn implements KvTxn {
    private final KvTxn delegate;
    private int writes;

    WriteCountingTxn(KvTxn delegate) {
        this.delegate = delegate;
    }

    int writes() {
        return writes;
    }

    @Override
    public byte[] get(Space space, byte[] key) {
        return delegate.get(space, key);
    }

    @Override
    public void scan(Space space, byte[] from, byte[] to, boolean reverse, Visitor visitor) {
        delegate.scan(space, from, to, reverse, visitor);
    }

    @Override
    public void put(Space space, byte[] key, byte[] value) {
        writes++;
        delegate.put(space, key, value);
    }

    @Override
    public void delete(Space space, byte[] key) {
        writes++;
        delegate.delete(space, key);
    }
}
