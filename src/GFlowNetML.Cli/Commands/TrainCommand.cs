using M = GFlowNetML.Evaluation.GFlowNetMetric;
using System.Globalization;
using GFlowNetML.Torch.Training;
using Spectre.Console;

namespace GFlowNetML.Cli.Commands;

/// <summary><c>gflownet train</c>: trains a sampler, shows progress, prints a final table and writes metrics.json.</summary>
internal static class TrainCommand
{
    /// <summary>The help text, from <see cref="TrainOptions.Table"/>.</summary>
    public static string Help => TrainOptions.Table.Help("""
        gflownet train [--env NAME] [environment options] [--method NAME] [training options] --out DIR
        gflownet train --resume DIR [--iterations N] [--threads T] [--export model.onnx] [--plot]
        Trains a sampler on a built-in environment, shows progress, prints a final table and writes DIR/metrics.json
        and DIR/run.json (the options, for --resume).
        """, """
        --plot writes curves.png (evaluations and training loss) and distribution.png next to metrics.json: learned
        against target (heat maps for a 2-D hyper-grid, edge marginals for dag, else a rank plot and a scatter), or the
        evaluation samples' log-reward histogram where the space is too large to enumerate.
        With --resume only --iterations (more, in total), --threads, --export and --plot may be given; the rest is run.json's.
        """);

    public static int Run(ArgumentReader args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        string? resume = args.String(TrainOptions.Resume);
        TrainSettings settings;
        string outDir;
        int? extraIterations = null;
        using var folderLock = new RunLock();
        GFlowNetML.Environments.GFlowNetEnvironment? env = null;
        if (resume is not null)
        {
            args.EnsureOnly(TrainOptions.ResumeOptions, "--resume");
            outDir = resume;
            if (Directory.Exists(resume)) folderLock.Acquire(resume, "--resume");
            settings = TrainSettings.Load(resume);
            if (args.Has(TrainOptions.Iterations)) extraIterations = args.Int(TrainOptions.Iterations);
            if (args.Has(TrainOptions.Threads)) settings.Threads = args.Int(TrainOptions.Threads);
            if (!File.Exists(Torch.Checkpoints.TrainingCheckpoint.PathIn(resume)))
                throw new UsageException($"--resume '{resume}' holds no checkpoint; the run must have been started with --checkpoint-every.");
        }
        else
        {
            settings = TrainSettings.Parse(args);
            outDir = args.String(TrainOptions.Out) ?? throw new UsageException("--out is required: the folder metrics.json is written to.");
            // Everything the command line implies is checked before the folder is made: a refused run leaves nothing.
            if (settings.Trainer.CheckpointEvery > 0) settings.Trainer.CheckpointDirectory = Path.GetFullPath(outDir);
            env = settings.CreateEnvironment();
            InCliTerms(() => GFlowNetTrainer.CheckOptions(env, settings.Trainer));
            OutputFolder.EnsureWritable(outDir);
            folderLock.Acquire(outDir, "--out"); // before run.json is written: a running run's folder is never overwritten
            ClaimFolder(outDir, args.Flag(TrainOptions.Force));
            settings.Save(outDir);
        }

        string? exportPath = args.String(TrainOptions.Export);
        if (exportPath is not null) OutputFolder.EnsureFileWritable(exportPath, "--export");
        TorchRuntime.Configure(settings.Threads);
        env ??= settings.CreateEnvironment();
        settings.Trainer.Threads = settings.Threads;
        GFlowNetTrainer created = null!;
        InCliTerms(() => created = resume is null
            ? new GFlowNetTrainer(env, settings.Trainer)
            : GFlowNetTrainer.Resume(env, resume, extraIterations, threads: settings.Threads));
        using var trainer = created;
        var options = trainer.Options;
        if (resume is not null && (options.Method != settings.Trainer.Method || options.Seed != settings.Trainer.Seed))
            throw new UsageException($"--resume '{resume}' mixes two runs: {TrainSettings.FileName} describes {settings.Trainer.Method.ToVariantName(settings.Trainer.LearnBackwardPolicy)} seed {settings.Trainer.Seed}, "
                + $"but {Torch.Checkpoints.TrainingCheckpoint.FileName} holds {options.Method.ToVariantName(options.LearnBackwardPolicy)} seed {options.Seed}; start again into a fresh folder (or with --force).");
        if (trainer.Iteration > options.Iterations)
            throw new UsageException($"--iterations must be at least the checkpoint's iteration ({trainer.Iteration}); got {options.Iterations}.");
        string guide = trainer.Guide is null ? "" : $" (guide {trainer.Guide.Name})";
        console.MarkupLineInterpolated($"[bold]{options.Method.ToVariantName(options.LearnBackwardPolicy)}[/]{guide} on {env.Description}: {options.Iterations} iterations × {options.BatchSize} trajectories, seed {options.Seed}{(resume is null ? "" : $", resumed at iteration {trainer.Iteration}")}");

        TrainingResult result;
        try
        {
            result = console.Profile.Capabilities.Interactive
                ? TrainWithProgressBar(trainer, console, cancellationToken)
                : TrainWithLog(trainer, console, cancellationToken);
        }
        catch (TrainingDivergedException d)
        {
            // Nothing lost: the evaluations so far go to metrics.json, and the diverged state is not checkpointed, so the
            // last checkpoint on disk is the last good one.
            string cause = string.Create(CultureInfo.InvariantCulture,
                $"training diverged at iteration {d.Iteration}: {d.Quantity}; lower {TrainSettings.OptionFor(d.Option)} (now {d.OptionValue:G4}).");
            string? unwritten = WriteMetrics(outDir, d.Result, env, trainer, "diverged", cause, d.Iteration);
            throw new RunFailedException($"{cause} {KeptWork(outDir, d.Result, "diverged", options, unwritten)}", d);
        }
        catch (Exception e) when (e is not OperationCanceledException && trainer.History.Count > 0)
        {
            var sofar = new TrainingResult(trainer.History[^1], trainer.History, Completed: false);
            string line = FailurePolicy.Describe(e).Line;
            string? unwritten = WriteMetrics(outDir, sofar, env, trainer, "failed", line, trainer.Iteration + 1);
            throw new RunFailedException($"{line} {KeptWork(outDir, sofar, "failed", options, unwritten)}", e);
        }

        // A final checkpoint (also after Ctrl+C), so that a later --resume continues from exactly here.
        if (options.CheckpointEvery > 0) trainer.SaveCheckpoint(options.CheckpointDirectory!);
        PrintTable(console, result, options, trainer.TotalModes);
        var extra = new Dictionary<string, System.Text.Json.Nodes.JsonNode?>();
        if (DagMarginalsReport.Write(console, trainer) is { } marginals) extra["edgeMarginals"] = marginals;
        MetricsFile.Write(outDir, result, env.Description, options.Method, options.Seed, options.LearnBackwardPolicy, trainer.Guide?.Name, extra,
            result.Completed ? MetricsFile.Completed : MetricsFile.Interrupted);
        console.MarkupLineInterpolated($"Wrote {Path.Combine(outDir, MetricsFile.FileName)}");
        if (args.Flag(TrainOptions.Plot))
            foreach (string picture in Plots.TrainingPlots.Write(outDir, trainer, result)) console.MarkupLineInterpolated($"Wrote {picture}");
        if (exportPath is not null) ExportCommand.Write(console, Torch.Export.PolicyExport.FromTrainer(trainer, result.Final), env, exportPath);
        if (!result.Completed)
        {
            console.MarkupLine("[yellow]Stopped early (cancelled).[/]");
            return 130;
        }
        return 0;
    }

    /// <summary>The files a run leaves in its folder: another run's are refused, or removed with <c>--force</c>.</summary>
    private static readonly string[] RunFiles =
    [
        TrainSettings.FileName, MetricsFile.FileName, Torch.Checkpoints.TrainingCheckpoint.FileName,
        Plots.TrainingPlots.CurvesFile, Plots.TrainingPlots.DistributionFile,
    ];

    /// <summary>Makes <paramref name="outDir"/> this run's: a folder holding another run is refused (its checkpoint would
    /// otherwise stay beside this run's run.json, and --resume would continue the wrong run) unless <paramref name="force"/>,
    /// which removes that run's files first.</summary>
    private static void ClaimFolder(string outDir, bool force)
    {
        var found = RunFiles.Where(f => File.Exists(Path.Combine(outDir, f))).ToList();
        if (found.Count == 0) return;
        if (!force)
            throw new UsageException($"--out '{outDir}' holds another run ({string.Join(", ", found)}); continue it with --resume '{outDir}', replace it with --force, or choose another folder.");
        foreach (var f in found.Concat(found.Select(f => f + ".tmp"))) File.Delete(Path.Combine(outDir, f));
    }

    /// <summary>Runs <paramref name="action"/>, turning the library's option errors into usage errors in the CLI's words (the
    /// first line of the message, without the parameter name, properties written as options).</summary>
    private static void InCliTerms(Action action)
    {
        try { action(); }
        catch (ArgumentOutOfRangeException e)
        {
            throw new UsageException(TrainSettings.InCliTerms(FailurePolicy.WithoutParameter(e).Split('\n')[0]));
        }
    }

    /// <summary>metrics.json of a run that failed: the evaluations so far, the status and what failed. Best effort (the
    /// failure may be a full disk): returns the reason it could not be written, or null.</summary>
    private static string? WriteMetrics(string outDir, TrainingResult sofar, GFlowNetML.Environments.GFlowNetEnvironment env, GFlowNetTrainer trainer,
        string status, string message, long iteration)
    {
        var o = trainer.Options;
        var failure = new System.Text.Json.Nodes.JsonObject { ["iteration"] = iteration, ["message"] = message };
        try
        {
            MetricsFile.Write(outDir, sofar, env.Description, o.Method, o.Seed, o.LearnBackwardPolicy, trainer.Guide?.Name,
                new Dictionary<string, System.Text.Json.Nodes.JsonNode?> { ["failure"] = failure }, status);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(Path.Combine(outDir, MetricsFile.FileName + ".tmp")); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            return e.Message;
        }
    }

    /// <summary>Where the work of a failed run is: metrics.json (unless <paramref name="unwritten"/> says why it could not
    /// be written) and, when checkpointing, the last good checkpoint.</summary>
    private static string KeptWork(string outDir, TrainingResult sofar, string status, GFlowNetTrainerOptions options, string? unwritten = null)
    {
        string metrics = unwritten is null
            ? $"The evaluations up to iteration {sofar.Final.Iteration} are in {Path.Combine(outDir, MetricsFile.FileName)} (status \"{status}\")"
            : $"{MetricsFile.FileName} could not be written either ({FailurePolicy.OneLine(unwritten)})";
        string checkpoint = Torch.Checkpoints.TrainingCheckpoint.PathIn(outDir);
        if (options.CheckpointEvery <= 0 || !File.Exists(checkpoint)) return metrics + ".";
        long at = Torch.Checkpoints.TrainingCheckpoint.Load(outDir).Header.Iteration;
        return $"{metrics}; the last good checkpoint (iteration {at}) is kept for --resume.";
    }

    private static TrainingResult TrainWithProgressBar(GFlowNetTrainer trainer, IAnsiConsole console, CancellationToken token)
    {
        TrainingResult? result = null;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                long? totalModes = trainer.TotalModes;
                var task = ctx.AddTask(Describe(trainer.History.LastOrDefault(), totalModes), maxValue: trainer.Options.Iterations);
                task.Value = trainer.Iteration;
                result = trainer.Train(new SynchronousProgress<TrainingProgress>(p =>
                {
                    task.Value = p.Iteration;
                    task.Description = Describe(p.LatestEvaluation, totalModes);
                }), token);
            });
        return result!;
    }

    private static TrainingResult TrainWithLog(GFlowNetTrainer trainer, IAnsiConsole console, CancellationToken token)
    {
        long total = trainer.Options.Iterations, step = Math.Max(1, total / 10), nextPrint = trainer.Iteration + step;
        long? totalModes = trainer.TotalModes;
        return trainer.Train(new SynchronousProgress<TrainingProgress>(p =>
        {
            if (p.Iteration < nextPrint && p.Iteration != total) return;
            nextPrint = p.Iteration + step;
            var e = p.LatestEvaluation;
            string at = e is not null && e.Iteration != p.Iteration ? $" (evaluated at iteration {e.Iteration})" : "";
            console.WriteLine($"[{p.Iteration,7}/{total}] {Describe(e, totalModes)}{at}");
        }), token);
    }

    private static string Describe(EvaluationRecord? e, long? totalModes) => e switch
    {
        null => "training",
        { Sampled: { } m } => string.Create(CultureInfo.InvariantCulture,
            $"sampled: top-{m.TopK} mean R {m.TopKMeanReward:G4}  {(totalModes == 0 ? "" : $"modes {ModesFound(e.ModesFound, totalModes)}  ")}diversity {m.Diversity:F2}  log Z {e.LogZ:F3}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"exact TV {e.ExactTotalVariation:F4}  JSD {e.JensenShannon:F4}  log Z {e.LogZ:F3}"),
    };

    /// <summary>"69 of 328" where the total is known, "69" where it is not.</summary>
    internal static string ModesFound(int found, long? totalModes)
        => totalModes is long total ? string.Create(CultureInfo.InvariantCulture, $"{found} of {total}") : found.ToString(CultureInfo.InvariantCulture);

    /// <summary>The final table; "modes found" shows the total, and is left out where the task has no modes (the DAG task).</summary>
    private static void PrintTable(IAnsiConsole console, TrainingResult result, GFlowNetTrainerOptions options, long? totalModes)
    {
        var f = result.Final;
        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("method", options.Method.ToVariantName(options.LearnBackwardPolicy));
        Row(M.Iteration.Name, f.Iteration.ToString(CultureInfo.InvariantCulture));
        Row(M.Trajectories.Name, f.Trajectories.ToString(CultureInfo.InvariantCulture));
        Row("evaluation", f.IsExact ? "exact (enumerated space)" : $"sampled ({f.Sampled!.SampleCount} on-policy samples; the space is too large to enumerate)");
        if (f.Sampled is { } m)
        {
            Row(M.MeanReward.Name, F(m.MeanReward, "G5"));
            Row(M.MeanLogReward.Name, F(m.MeanLogReward, "F4"));
            Row(M.TopKMeanReward.Name.Replace("-k", $"-{m.TopK}", StringComparison.Ordinal), F(m.TopKMeanReward, "G5"));
            Row(M.MaxReward.Name, F(m.MaxReward, "G5"));
            Row(M.UniqueCount.Name, m.UniqueCount.ToString(CultureInfo.InvariantCulture));
            Row(M.UniqueModes.Name, m.UniqueModes.ToString(CultureInfo.InvariantCulture));
            Row($"{M.Diversity.Name} (top-{m.TopK}, mean Hamming)", F(m.Diversity, "F3"));
        }
        else
        {
            Row(M.ExactTotalVariation.Label, F(f.ExactTotalVariation, "F5"));
            Row(M.JensenShannon.Label, F(f.JensenShannon, "F5"));
        }
        Row(M.LogZ.Label, F(f.LogZ, "F5"));
        Row(M.TrueLogZ.Label, F(f.TrueLogZ, "F5"));
        Row(M.LogZError.Label, F(Math.Abs(f.LogZ - f.TrueLogZ), "F5"));
        if (totalModes != 0) Row(M.ModesFound.Label, ModesFound(f.ModesFound, totalModes));
        Row(M.Seconds.Label, F(f.Seconds, "F1"));
        Row("ms / iteration", F(f.Iteration > 0 ? 1000 * f.Seconds / f.Iteration : double.NaN, "F1"));
        console.Write(table);

        static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";
    }
}
