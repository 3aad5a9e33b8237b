using System.Globalization;
using GFlowNetML.Torch.Training;
using Spectre.Console;

namespace GFlowNetML.Cli.Commands;

/// <summary><c>gflownet train</c>: trains a sampler, shows progress, prints a final table and writes metrics.json.</summary>
internal static class TrainCommand
{
    public static string Help => $"""
        gflownet train --env hypergrid|sequence|dag|bitseq [environment options] --method rl-u|rl-b|rl-g|rl-t|tb|db|subtb|fm
                       --iterations N --batch-size B --seed S --eval-every K --out DIR [--checkpoint-every K] [--threads T]
                       [--eval-samples 1000] [--top-k 100] [--lr 1e-3] [--lr-logz 0.1] [--lr-critic 5e-3] [--lambda 0.99]
                       [--epsilon-start 0] [--epsilon-end 0] [--epsilon-decay 0.99] [--hidden-layers 4] [--hidden-width 256]
                       [--critic-layers 2] [--critic-width 256] [--log-reward-clamp -12] [--learn-backward]
                       [--backward-lambda 1] [--subtb-lambda 0.9] [--delta 0.01] [--cg-iterations 10] [--line-search-steps 20]
                       [--export model.onnx]
        {EnvironmentSettings.Help}
        gflownet train --resume DIR [--iterations N] [--threads T] [--export model.onnx]
        """;

    public static int Run(ArgumentReader args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        string? resume = args.String("resume");
        TrainSettings settings;
        string outDir;
        int? extraIterations = null;
        using var folderLock = new RunLock();
        if (resume is not null)
        {
            args.EnsureOnly(["resume", "iterations", "threads", "export"], "--resume");
            outDir = resume;
            if (Directory.Exists(resume)) folderLock.Acquire(resume, "--resume");
            settings = TrainSettings.Load(resume);
            if (args.Has("iterations")) extraIterations = args.Int("iterations", 0, 1);
            settings.Threads = args.Int("threads", settings.Threads, 1, 256);
            if (!File.Exists(Torch.Checkpoints.TrainingCheckpoint.PathIn(resume)))
                throw new UsageException($"--resume '{resume}' holds no checkpoint; the run must have been started with --checkpoint-every.");
        }
        else
        {
            settings = TrainSettings.Parse(args);
            outDir = args.String("out") ?? throw new UsageException("--out is required: the folder metrics.json is written to.");
            OutputFolder.EnsureWritable(outDir);
            folderLock.Acquire(outDir, "--out"); // before run.json is written: a running run's folder is never overwritten
            if (settings.Trainer.CheckpointEvery > 0) settings.Trainer.CheckpointDirectory = Path.GetFullPath(outDir);
            settings.Save(outDir);
        }

        string? exportPath = args.String("export");
        if (exportPath is not null) OutputFolder.EnsureFileWritable(exportPath, "--export");
        TorchRuntime.Configure(settings.Threads);
        var env = settings.CreateEnvironment();
        settings.Trainer.Threads = settings.Threads;
        using var trainer = resume is null
            ? new GFlowNetTrainer(env, settings.Trainer)
            : GFlowNetTrainer.Resume(env, resume, extraIterations, threads: settings.Threads);
        var options = trainer.Options;
        if (trainer.Iteration > options.Iterations)
            throw new UsageException($"--iterations must be at least the checkpoint's iteration ({trainer.Iteration}); got {options.Iterations}.");
        string guide = trainer.Guide is null ? "" : $" (guide {trainer.Guide.Name})";
        console.MarkupLineInterpolated($"[bold]{options.Method.ToVariantName(options.LearnBackwardPolicy)}[/]{guide} on {env.Description}: {options.Iterations} iterations × {options.BatchSize} trajectories, seed {options.Seed}{(resume is null ? "" : $", resumed at iteration {trainer.Iteration}")}");

        TrainingResult result = console.Profile.Capabilities.Interactive
            ? TrainWithProgressBar(trainer, console, cancellationToken)
            : TrainWithLog(trainer, console, cancellationToken);

        // A final checkpoint (also after Ctrl+C), so that a later --resume continues from exactly here.
        if (options.CheckpointEvery > 0) trainer.SaveCheckpoint(options.CheckpointDirectory!);
        PrintTable(console, result, options, trainer.TotalModes);
        var extra = new Dictionary<string, System.Text.Json.Nodes.JsonNode?>();
        if (DagMarginalsReport.Write(console, trainer) is { } marginals) extra["edgeMarginals"] = marginals;
        MetricsFile.Write(outDir, result, env.Description, options.Method, options.Seed, options.LearnBackwardPolicy, trainer.Guide?.Name, extra);
        console.MarkupLineInterpolated($"Wrote {Path.Combine(outDir, MetricsFile.FileName)}");
        if (exportPath is not null) ExportCommand.Write(console, Torch.Export.PolicyExport.FromTrainer(trainer, result.Final), env, exportPath);
        if (!result.Completed)
        {
            console.MarkupLine("[yellow]Stopped early (cancelled).[/]");
            return 130;
        }
        return 0;
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
                result = trainer.Train(new SyncProgress<TrainingProgress>(p =>
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
        return trainer.Train(new SyncProgress<TrainingProgress>(p =>
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
        Row("iterations", f.Iteration.ToString(CultureInfo.InvariantCulture));
        Row("trajectories", f.Trajectories.ToString(CultureInfo.InvariantCulture));
        Row("evaluation", f.IsExact ? "exact (enumerated space)" : $"sampled ({f.Sampled!.SampleCount} on-policy samples; the space is too large to enumerate)");
        if (f.Sampled is { } m)
        {
            Row("mean reward", F(m.MeanReward, "G5"));
            Row("mean log reward", F(m.MeanLogReward, "F4"));
            Row($"top-{m.TopK} mean reward", F(m.TopKMeanReward, "G5"));
            Row("max reward", F(m.MaxReward, "G5"));
            Row("unique samples", m.UniqueCount.ToString(CultureInfo.InvariantCulture));
            Row("unique modes in the sample", m.UniqueModes.ToString(CultureInfo.InvariantCulture));
            Row($"diversity (top-{m.TopK}, mean Hamming)", F(m.Diversity, "F3"));
        }
        else
        {
            Row("exact total variation", F(f.ExactTotalVariation, "F5"));
            Row("Jensen-Shannon (nats)", F(f.JensenShannon, "F5"));
        }
        Row("log Z", F(f.LogZ, "F5"));
        Row("true log Z", F(f.TrueLogZ, "F5"));
        Row("|log Z - log Z*|", F(Math.Abs(f.LogZ - f.TrueLogZ), "F5"));
        if (totalModes != 0) Row("modes found", ModesFound(f.ModesFound, totalModes));
        Row("seconds", F(f.Seconds, "F1"));
        Row("ms / iteration", F(f.Iteration > 0 ? 1000 * f.Seconds / f.Iteration : double.NaN, "F1"));
        console.Write(table);

        static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";
    }
}
