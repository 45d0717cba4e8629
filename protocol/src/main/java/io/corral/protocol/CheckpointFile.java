package io.corral.protocol;

/** A file of a state checkpoint, streamed to a coordinator that installs a snapshot or to a backup. */
public record CheckpointFile(String name, long size) {}
