package io.corral.protocol;

/** An image of a submission: its display name (the file name it was uploaded from) and its content address. */
public record ImageRef(String name, String sha256, long size) {}
