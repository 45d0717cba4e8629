package io.corral.coordinator.state.leases;

import io.corral.coordinator.state.kv.IndexSequence;

/**
 * Task leases' fencing tokens ({@link IndexSequence}, kept under {@code last-lease-token}): one token per granting
 * command (a {@code LeaseTasks}, or a {@code SubmitAndLease} for all its grants), so two commands of one entry never
 * grant the same token, and every entry that holds one grant gets its index, as before grants could share an entry.
 *
 * <p>Locks keep the entry's index as their token: a hold's token is compared with the index at which its leader's
 * term began ({@code Locks.isLapsed}), which a counter running ahead of the index would break.
 */
final class LeaseTokens {
    static final IndexSequence TOKENS = new IndexSequence("last-lease-token");

    private LeaseTokens() {}
}
