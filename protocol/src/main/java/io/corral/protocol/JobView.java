package io.corral.protocol;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.OptBoolean;
import java.util.List;
import java.util.Map;

/**
 * A job with its tasks. {@code finishedAtMs} is 0 until every task reached a terminal state; {@code taskTimeoutMs} is 0
 * when the job set no task timeout and each worker applies its default. {@code owner} is the tenant that submitted it,
 * null when the cluster had authentication off (see docs/security.md, "Ownership").
 */
public record JobView(
        String id,
        JobState state,
        int priority,
        int maxAttempts,
        long taskTimeoutMs,
        List<String> operations,
        Map<String, String> labels,
        String idempotencyKey,
        long submittedAtMs,
        long finishedAtMs,
        boolean cancelled,
        Map<TaskState, Integer> counts,
        List<TaskView> tasks,

        @JsonInclude(JsonInclude.Include.NON_NULL)
        @JacksonInject(value = JobView.OWNER_ABSENT, useInput = OptBoolean.TRUE)
        String owner) {
    /**
     * What Jackson supplies for a JobView without an owner. Left out when null, so a cluster without authentication
     * sends what clients from before owners decode (see docs/protocol.md, section 13).
     */
    public static final String OWNER_ABSENT = "JobView.owner";
}
