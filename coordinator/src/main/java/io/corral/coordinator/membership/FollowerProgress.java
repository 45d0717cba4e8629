package io.corral.coordinator.membership;

/**
 * What the leader knows of one member it replicates to (a voter, a listener, or a new member it is catching up).
 *
 * @param matchIndex the last log index the member is known to hold
 * @param lastContactMs how long ago the member last answered the leader
 */
public record FollowerProgress(Member member, long matchIndex, long lastContactMs) {}
