package io.corral.coordinator.state.jobs;

import io.corral.coordinator.state.kv.IndexSequence;

/**
 * Job seqs ({@code "job-<seq>"}): the Raft index of the submission's entry, or, when an earlier submission already
 * took that number (several submissions in one batched entry take consecutive numbers from its index on), the next
 * free one ({@link IndexSequence}). Kept under {@code last-job-seq}, so it survives the deletion of the jobs.
 */
final class JobSeq {
    static final IndexSequence SEQ = new IndexSequence("last-job-seq");

    private JobSeq() {}
}
