package io.corral.coordinator.state.blobs;

import java.util.List;
import java.util.TreeSet;

/**
 * A tenant uploading an image the cluster already holds ({@code Space.BLOB_PROOFS}): the chunks it has sent that
 * matched the stored ones, and whether any did not. Sealing it grants the image when every chunk matched.
 *
 * @param proven chunk indexes, ascending
 */
public record ProofRecord(List<Integer> proven, boolean mismatched, long startedAtMs) {
    public ProofRecord {
        proven = List.copyOf(new TreeSet<>(proven));
    }

    ProofRecord with(int index, boolean matched) {
        if (!matched) {
            return new ProofRecord(proven, true, startedAtMs);
        }
        TreeSet<Integer> next = new TreeSet<>(proven);
        next.add(index);
        return new ProofRecord(List.copyOf(next), mismatched, startedAtMs);
    }

    /** The first chunk of {@code chunks} not proven yet, or -1 when every one is. */
    int firstMissing(int chunks) {
        for (int i = 0; i < chunks; i++) {
            if (!proven.contains(i)) {
                return i;
            }
        }
        return -1;
    }
}
