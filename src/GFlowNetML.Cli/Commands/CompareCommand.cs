using M = GFlowNetML.Evaluation.GFlowNetMetric;
using System.Globalization;
using GFlowNetML.Cli.Compare;
using GFlowNetML.Torch.Training;
using Spectre.Console;

namespace GFlowNetML.Cli.Commands;

/// <summary><c>gflownet compare</c>: trains a list of methods over several seeds on one environment with the same
/// trajectory budget, writes compare.json and compare.png, and prints a table of final values over the seeds; with
/// <c>--merge</c>, combines comparisons run separately into one (<see cref="CompareMerge"/>).</summary>
internal static class CompareCommand
{
    /// <summary>The help text, from <see cref="CompareSettings.Table"/>.</summary>
    public static string Help => CompareSettings.Table.Help("""
        gflownet compare [--env NAME] [environment options] [--methods LIST] [--seeds N | --seed-list LIST] --out DIR
        gflownet compare --merge DIR1,DIR2,... --out DIR
        Trains every method with every seed (0..N-1 for --seeds N) on one environment, each run with the same budget of
        --iterations × --batch-size trajectories, --parallel runs at a time (each on a thread of this process with --threads
        torch threads; the numbers do not depend on --parallel), and writes
        DIR/compare.json (per method and seed: exact total variation, Jensen-Shannon divergence, log Z, |log Z - log Z*|
        and modes found against trajectories, and seconds; a summary over the seeds) and DIR/compare.png (mean exact total
        variation against trajectories, log scale), then prints the final values as mean ± std over the seeds.
        Methods are ranked by exact total variation, so the environment's states must be enumerable: every environment
        qualifies at small enough sizes (bitseq up to 2^24 strings, e.g. --bits 8 --word 4); larger ones are refused.
        """, $"""
        Methods: {TrainingMethodNames.AllowedVariants} (-b: learned backward policy).
        --cluster submits the runs to the silos of a cluster ('gflownet silo --cluster redis://HOST:PORT'), each run
        checkpointed into Redis every --checkpoint-every iterations so that a run whose silo dies resumes on another; the
        output and the numbers are those of the runs in this process (one torch thread per run: no --threads or
        --parallel). With no silo answering, it waits --cluster-wait seconds, then fails naming the unfinished runs.
        --merge combines comparisons run separately (in several processes or on several machines, e.g. the RL-T seeds on
        one and the other methods on another) into one: it reads every DIRk/compare.json, checks that they were run on the
        same environment with the same --iterations, --batch-size, --eval-every and network sizes and that no (method,
        seed) run is in two of them, and writes DIR/compare.json and DIR/compare.png and prints the table as one comparison
        of all their runs would (methods in the order above, seeds ascending). DIR must not be one of the inputs.
        """);

    public static int Run(ArgumentReader args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        if (args.Has(CompareSettings.Merge)) return Merge(args, console);
        var settings = CompareSettings.Parse(args);
        TorchRuntime.Configure(settings.Threads);
        CompareRunner.EnsureTrainable(settings);
        OutputFolder.EnsureWritable(settings.OutDirectory);
        using var folderLock = new RunLock();
        folderLock.Acquire(settings.OutDirectory, "--out");

        var environment = settings.Environment.CreateEnvironment();
        if (environment.EnumerateStates() is null)
            throw new UsageException($"compare ranks methods by exact total variation, which needs an environment whose states can be enumerated; {environment.Description} cannot be (use gflownet train, which reports sampled metrics there).");
        int total = settings.Methods.Count * settings.Seeds.Count;
        var t = settings.Trainer;
        console.MarkupLineInterpolated($"[bold]compare[/] {string.Join(", ", settings.Methods.Select(m => m.Name))} on {environment.Description}");
        console.MarkupLineInterpolated($"seeds {string.Join(", ", settings.Seeds)}; {t.Iterations} iterations × {t.BatchSize} trajectories = {settings.TrajectoryBudget} trajectories per run; {total} runs, {(settings.Cluster is { } cluster ? $"on the cluster at {cluster}" : $"{settings.Parallel} at a time")}");

        IReadOnlyList<FinishedRun> runs;
        bool completed;
        try
        {
            (runs, completed) = console.Profile.Capabilities.Interactive
                ? RunWithProgressBars(settings, console, cancellationToken)
                : RunWithLog(settings, console, cancellationToken);
        }
        catch (CompareRunFailedException e)
        {
            // A run failed; the others were stopped. Nothing is written: the report would be of a different plan.
            Console.Error.WriteLine($"gflownet compare: {e.Message}");
            return 1;
        }

        // One log Z* for the whole file: every |log Z - log Z*| is taken against it (so that compare.json reads back exactly).
        double trueLogZ = environment.LogPartition ?? runs.FirstOrDefault()?.Result.Final.TrueLogZ ?? double.NaN;
        runs = [.. runs.Select(r => r.WithTrueLogZ(trueLogZ))];
        var summaries = settings.Methods
            .Select(m => MethodSummary.Of(m, [.. runs.Where(r => r.Run.Method == m)]))
            .ToList();
        CompareFile.Write(settings.OutDirectory, CompareHeader.Of(settings, environment.Description, trueLogZ, total, completed), summaries);
        string? plot = ComparePlot.Write(settings.OutDirectory, environment.Description, summaries, settings.Seeds.Count);

        PrintTable(console, summaries);
        if (settings.Parallel > 1)
            console.MarkupLineInterpolated($"[yellow]Note:[/] ms/iteration was measured with up to {Math.Min(settings.Parallel, total)} runs at once (--parallel {settings.Parallel}) sharing the machine's cores; run with --parallel 1 for timings of a run alone.");
        console.MarkupLineInterpolated($"Wrote {Path.Combine(settings.OutDirectory, CompareFile.FileName)}");
        if (plot is not null) console.MarkupLineInterpolated($"Wrote {plot}");
        if (!completed)
        {
            console.MarkupLineInterpolated($"[yellow]Stopped early (cancelled): {runs.Count} of {total} runs finished; compare.json and the table hold those.[/]");
            return 130;
        }
        return 0;
    }

    /// <summary><c>compare --merge DIR1,DIR2,… --out DIR</c> (<see cref="CompareMerge"/>): writes the merged compare.json
    /// and compare.png and prints the table, as one comparison of all the inputs' runs would.</summary>
    private static int Merge(ArgumentReader args, IAnsiConsole console)
    {
        args.EnsureOnly(CompareMerge.OptionNames, "--merge");
        string outDirectory = args.String(CompareSettings.Out) ?? throw new UsageException("--out is required: the folder the merged compare.json and compare.png are written to.");
        var directories = CompareMerge.ParseDirectories(args.String(CompareSettings.Merge)!, outDirectory);
        var inputs = directories.Select(CompareMerge.Read).ToList();
        var merged = CompareMerge.Merge(inputs);
        OutputFolder.EnsureWritable(outDirectory);

        var h = merged.Header;
        console.MarkupLineInterpolated($"[bold]compare --merge[/] of {inputs.Count} comparisons: {string.Join(", ", merged.Methods.Select(m => m.Name))} on {h.Environment}");
        console.MarkupLineInterpolated($"seeds {string.Join(", ", h.Seeds)}; {h.Iterations} iterations × {h.BatchSize} trajectories = {h.TrajectoryBudget} trajectories per run; {merged.Runs.Count} of {h.RunsPlanned} planned runs finished");
        foreach (var input in inputs)
        {
            var c = input.Contents;
            string runs = c.Runs.Count == 0 ? "no runs" : string.Join("; ", c.Runs.GroupBy(r => r.Run.Method.Name)
                .Select(g => $"{g.Key} seed{(g.Count() > 1 ? "s" : "")} {string.Join(", ", g.Select(r => r.Run.Seed))}"));
            string state = c.Header.Completed ? "" : $", stopped early: {c.Runs.Count} of {c.Header.RunsPlanned} planned runs finished";
            console.MarkupLineInterpolated($"  '{input.Directory}': {runs} (--threads {c.Header.Threads}, --parallel {c.Header.Parallel}{state})");
        }

        var summaries = merged.Methods
            .Select(m => MethodSummary.Of(m, [.. merged.Runs.Where(r => r.Run.Method == m)]))
            .ToList();
        CompareFile.Write(outDirectory, h, summaries);
        string? plot = ComparePlot.Write(outDirectory, h.Environment, summaries, h.Seeds.Count);

        PrintTable(console, summaries);
        if (inputs.Count > 1)
            console.MarkupLineInterpolated($"[yellow]Note:[/] ms/iteration was measured in {inputs.Count} separate comparisons, perhaps on different machines.");
        console.MarkupLineInterpolated($"Wrote {Path.Combine(outDirectory, CompareFile.FileName)}");
        if (plot is not null) console.MarkupLineInterpolated($"Wrote {plot}");
        if (!h.Completed)
            console.MarkupLineInterpolated($"[yellow]Incomplete: {merged.Runs.Count} of {h.RunsPlanned} planned runs finished ({string.Join(", ", inputs.Where(i => !i.Contents.Header.Completed).Select(i => $"'{i.Directory}'"))} stopped early); compare.json (\"completed\": false) and the table hold those.[/]");
        return 0;
    }

    /// <summary>Plain lines: one when a run finishes.</summary>
    private static (IReadOnlyList<FinishedRun>, bool) RunWithLog(CompareSettings settings, IAnsiConsole console, CancellationToken token)
    {
        var gate = new object();
        int total = settings.Methods.Count * settings.Seeds.Count, width = total.ToString(CultureInfo.InvariantCulture).Length;
        var runner = new CompareRunner(settings)
        {
            Finished = (run, count) =>
            {
                string line = $"[{count.ToString(CultureInfo.InvariantCulture).PadLeft(width)}/{total}] {Describe(run)}";
                lock (gate) console.WriteLine(line);
            },
        };
        return runner.Run(token);
    }

    /// <summary>An overall bar and one bar per run in progress (with its latest exact total variation); a finished run's
    /// bar gives way to a line above the bars.</summary>
    private static (IReadOnlyList<FinishedRun>, bool) RunWithProgressBars(CompareSettings settings, IAnsiConsole console, CancellationToken token)
    {
        (IReadOnlyList<FinishedRun>, bool) result = default;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var gate = new object();
                int total = settings.Methods.Count * settings.Seeds.Count;
                var overall = ctx.AddTask($"runs finished: 0/{total}", maxValue: total);
                var bars = new Dictionary<int, ProgressTask>();
                var runner = new CompareRunner(settings)
                {
                    Started = run =>
                    {
                        lock (gate) bars[run.Index] = ctx.AddTask(Markup.Escape(RunName(run)), maxValue: settings.Trainer.Iterations);
                    },
                    Progress = (run, p) =>
                    {
                        ProgressTask? bar;
                        lock (gate)
                            if (!bars.TryGetValue(run.Index, out bar)) return;
                        bar.Value = p.Iteration;
                        if (p.ExactTotalVariation is { } tv)
                            bar.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{RunName(run)}  exact TV {tv:F4}"));
                    },
                    Finished = (run, count) =>
                    {
                        lock (gate)
                        {
                            console.WriteLine($"[{count}/{total}] {Describe(run)}");
                            if (bars.Remove(run.Run.Index, out var bar)) ctx.RemoveTask(bar);
                            overall.Increment(1);
                            overall.Description = $"runs finished: {count}/{total}";
                        }
                    },
                };
                result = runner.Run(token);
            });
        return result;
    }

    private static string RunName(PlannedRun run) => $"{run.Method.Name} seed {run.Seed}";

    private static string Describe(FinishedRun run)
    {
        var f = run.Result.Final;
        return string.Create(CultureInfo.InvariantCulture,
            $"{RunName(run.Run)}: {M.ExactTotalVariation.Abbreviation} {f.ExactTotalVariation:F4}  {M.JensenShannon.Abbreviation} {f.JensenShannon:F4}  {M.LogZError.Abbreviation} {MethodSummary.LogZError(f):F3}  {run.Seconds:F1} s ({run.MsPerIteration:F1} ms/iteration)");
    }

    private static void PrintTable(IAnsiConsole console, IReadOnlyList<MethodSummary> summaries)
    {
        var table = new Table()
            .AddColumn("method")
            .AddColumn(new TableColumn("seeds").RightAligned())
            .AddColumn(new TableColumn(M.ExactTotalVariation.ShortLabel).RightAligned())
            .AddColumn(new TableColumn(M.JensenShannon.ShortLabel).RightAligned())
            .AddColumn(new TableColumn(M.LogZError.ShortLabel).RightAligned())
            .AddColumn(new TableColumn("ms/iteration").RightAligned());
        foreach (double threshold in MethodSummary.TotalVariationThresholds)
            table.AddColumn(new TableColumn(string.Create(CultureInfo.InvariantCulture, $"trajectories to TV<{threshold}")).RightAligned());
        foreach (var s in summaries)
        {
            var cells = new List<string>
            {
                s.Method.Name,
                s.Runs.Count.ToString(CultureInfo.InvariantCulture),
                F(s.FinalTotalVariation, "F4"),
                F(s.FinalJensenShannon, "F4"),
                F(s.FinalLogZError, "F3"),
                s.MsPerIteration.Mean is var ms && double.IsFinite(ms) ? ms.ToString("F1", CultureInfo.InvariantCulture) : "n/a",
            };
            foreach (double threshold in MethodSummary.TotalVariationThresholds)
                cells.Add(s.TrajectoriesToTotalVariation(threshold) is long n ? n.ToString("N0", CultureInfo.InvariantCulture) : "-");
            table.AddRow([.. cells.Select(Markup.Escape)]);
        }
        table.Caption("mean ± std over the seeds; trajectories to TV<x: first evaluation with seed-mean exact TV below x ('-': none)");
        console.Write(table);

        static string F(MeanStd v, string format)
        {
            if (!double.IsFinite(v.Mean)) return "n/a";
            string mean = v.Mean.ToString(format, CultureInfo.InvariantCulture);
            return double.IsFinite(v.Std) ? $"{mean} ± {v.Std.ToString(format, CultureInfo.InvariantCulture)}" : mean;
        }
    }
}
