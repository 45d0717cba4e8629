package io.corral.coordinator.state.kv;

/**
 * The writes of one applied entry. Reads through a transaction see its own earlier writes. The adapter commits all
 * of them atomically, together with the entry's term and index, or none of them.
 */
public interface KvTxn extends KvView {
    void put(Space space, byte[] key, byte[] value);

    void delete(Space space, byte[] key);
}
