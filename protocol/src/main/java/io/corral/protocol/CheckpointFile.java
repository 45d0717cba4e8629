package io.corral.protocol;

/** A file of a state checkpoint, streamed to a coordinator that installs a snapshot. */
public record CheckpointFile(String name, long size) {}
