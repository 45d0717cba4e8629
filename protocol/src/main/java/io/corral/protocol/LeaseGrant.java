package io.corral.protocol;

import java.util.List;

/**
 * One task leased to a worker: what it needs to run it. The input image is downloaded with {@link
 * Request.ReadBlobChunk}; {@code token} must accompany every report on the task; the lease lapses at {@code
 * expiresAtMs} (leader time) unless heartbeats extend it. {@code taskTimeoutMs} is the job's bound on the task, 0 when
 * the job set none and the worker's default applies.
 */
public record LeaseGrant(
        String taskId,
        String jobId,
        String imageName,
        String imageSha256,
        long imageSize,
        List<String> operations,
        long taskTimeoutMs,
        long token,
        long expiresAtMs) {}
