package io.corral.protocol;

/** The committed result of a SUCCEEDED task: an image in the cluster's store, readable by its SHA-256. */
public record TaskResultView(String sha256, long size) {}
