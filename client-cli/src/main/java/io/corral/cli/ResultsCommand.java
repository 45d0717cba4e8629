package io.corral.cli;

import io.corral.protocol.JobView;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral results JOB --out DIR}: downloads the results of a job's SUCCEEDED tasks. {@code -o} is taken by the
 * output format every command shares ({@code -o json}), so the directory is {@code --out}, as for {@code submit}.
 */
@Command(
        name = "results",
        description = {
            "Downloads the result of every SUCCEEDED task of a job into a directory, verified by SHA-256 and size.",
            "Files are named after the input image and the output format (a.png -> DIR/a.webp); a name given twice"
                    + " gets -1, -2... Existing files of the same name are replaced. Other tasks are listed as"
                    + " skipped, on stderr.",
            "Prints one line per file written: TASK FILE."
        },
        footer = {"%nExample:%n  corral results job-17 --out thumbnails/"})
final class ResultsCommand extends BaseCommand {
    @Parameters(paramLabel = "JOB", description = "The job id printed by submit.")
    String jobId;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            required = true,
            description = "Directory to write to (created if missing).")
    Path dir;

    @Override
    void run(Output out) throws IOException {
        List<ResultFiles.Written> written;
        try (ClusterSession session = connect()) {
            JobView job = session.callWithRetry(new Request.GetJob(jobId, false), Response.JobDetail.class)
                    .job();
            written = ResultFiles.saveAll(session, job, dir, out, true);
        }
        if (out.json()) {
            out.printJson(written);
        }
    }
}
