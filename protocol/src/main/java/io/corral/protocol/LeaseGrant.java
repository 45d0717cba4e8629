package io.corral.protocol;

import java.util.List;

/**
 * One task leased to a worker: what it needs to run it. The input image is downloaded with {@link
 * Request.ReadBlobChunk}; {@code token} must accompany every report on the task; the lease lapses at {@code
 * expiresAtMs} (leader time) unless heartbeats extend it.
 */
public record LeaseGrant(
        String taskId,
        String jobId,
        String imageName,
        String imageSha256,
        long imageSize,
        List<String> operations,
        long token,
        long expiresAtMs) {}
