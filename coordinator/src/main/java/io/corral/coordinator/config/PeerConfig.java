package io.corral.coordinator.config;

/** One member of the initial cluster: its id and the three addresses it listens on. */
public record PeerConfig(String id, String raft, String rpc, String http) {}
