package io.corral.worker.pipeline;

/**
 * Told how far a run has got, from the thread that runs it. Percentages never decrease and end at 100 on success.
 * Implementations must be quick and must not throw; the worker forwards these as task progress.
 */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (percent, step) -> {};

    /**
     * @param percent 0..100
     * @param step what just finished, such as {@code decoded 4000x3000 jpeg} or {@code resize:800x600,fit}
     */
    void onProgress(int percent, String step);
}
