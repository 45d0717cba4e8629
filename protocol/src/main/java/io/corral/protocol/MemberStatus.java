package io.corral.protocol;

/**
 * One coordinator as {@code corral cluster status} shows it. When the member could not be reached, {@code reachable}
 * is false, {@code error} says why and the numeric fields are -1.
 */
public record MemberStatus(
        String id,
        String raftAddress,
        String rpcAddress,
        String httpAddress,
        String role,
        long term,
        long commitIndex,
        long appliedIndex,
        long snapshotIndex,
        String leaderId,
        boolean reachable,
        String error) {}
