package io.corral.protocol;

/** A member that did not answer a request gathered from every coordinator, and why. */
public record UnreachableMember(String id, String error) {}
