using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cli.Compare;

/// <summary>A run of a comparison could not be done (its child process failed or could not be started); the message is
/// one line naming the method and seed.</summary>
internal sealed class CompareRunFailedException(string message) : Exception(message);

/// <summary>
/// One (method, seed) run of a comparison as a child process: this CLI's <c>gflownet.dll</c> started by the dotnet host as
/// <c>dotnet gflownet.dll train …</c> with the options that give the trainer exactly <see cref="CompareSettings.OptionsFor"/>,
/// writing into <c>DIR/runs/&lt;variant&gt;-seed&lt;k&gt;</c>. Its metrics.json (full double precision) is read back into the
/// <see cref="TrainingResult"/> the in-process path would have produced. The child's stdout is read only for its progress
/// lines (<c>[  N/M] exact TV …</c>, printed by <c>train</c> when its output is redirected); its stderr is kept for the
/// error message.
/// </summary>
internal static partial class TrainProcess
{
    /// <summary>The folder under <c>--out</c> that holds one folder per run.</summary>
    public const string RunsFolder = "runs";

    /// <summary>The children alive now, killed if this process is asked to exit (SIGTERM, SIGHUP, SIGQUIT) while they run.</summary>
    private static readonly ConcurrentDictionary<Process, byte> Alive = new();

    /// <summary>Kill the children before the signal's default action ends this process (kept alive by this field).</summary>
    private static readonly PosixSignalRegistration[] ExitSignals =
        [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT }.Select(s => PosixSignalRegistration.Create(s, _ =>
        {
            foreach (var process in Alive.Keys) KillTree(process);
        }))];

    /// <summary>The folder of one run: <c>DIR/runs/&lt;variant&gt;-seed&lt;k&gt;</c>, e.g. <c>runs/tb-b-seed2</c>.</summary>
    public static string DirectoryOf(CompareSettings settings, PlannedRun run)
        => Path.GetFullPath(Path.Combine(settings.OutDirectory, RunsFolder, $"{run.Method.Name}-seed{I(run.Seed)}"));

    /// <summary>The arguments of <c>gflownet</c> (from <c>train</c> on) for one run.</summary>
    public static IReadOnlyList<string> Arguments(CompareSettings settings, PlannedRun run)
    {
        var e = settings.Environment;
        var t = settings.Trainer;
        List<string> args = ["train", .. e.ToArguments(), "--method", run.Method.Method.ToName()];
        // As OptionsFor sets LearnBackwardPolicy: true for the "-b" variants and for RL-B and RL-G, which always learn it.
        if (run.Method.LearnBackward) args.Add("--learn-backward");
        args.AddRange([
            "--iterations", I(t.Iterations), "--batch-size", I(t.BatchSize), "--seed", I(run.Seed), "--eval-every", I(t.EvalEvery),
            "--threads", I(settings.Threads),
            "--hidden-layers", I(t.PolicyHiddenLayers), "--hidden-width", I(t.PolicyHiddenWidth),
            "--critic-layers", I(t.CriticHiddenLayers), "--critic-width", I(t.CriticHiddenWidth),
            "--out", DirectoryOf(settings, run),
        ]);
        return args;
    }

    /// <summary>This CLI's assembly, <c>gflownet.dll</c> (next to the test assembly when compare runs inside the tests).</summary>
    public static string CliAssembly => typeof(Cli).Assembly.Location;

    /// <summary>The dotnet host: this process's own executable when it is <c>dotnet</c>, else <c>DOTNET_HOST_PATH</c>
    /// (set by <c>dotnet test</c> and <c>dotnet run</c>), else <c>dotnet</c> from the PATH.</summary>
    public static string DotnetHost
    {
        get
        {
            if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
            return "dotnet";
        }
    }

    /// <summary>Trains one run in a child process and waits for it.</summary>
    /// <param name="settings">The comparison.</param>
    /// <param name="run">The run.</param>
    /// <param name="started">Called just before the child starts.</param>
    /// <param name="progress">Called (on a reader thread) for every progress line of the child.</param>
    /// <param name="cancellationToken">Kills the child and its descendants.</param>
    /// <returns>The finished run; null when it was cancelled, or when the child itself was interrupted (Ctrl+C on a
    /// terminal reaches the whole process group, so a child may see it first and exit with 130).</returns>
    /// <exception cref="CompareRunFailedException">The child could not start, exited with another non-zero code, or
    /// wrote no complete metrics.json.</exception>
    public static FinishedRun? Run(CompareSettings settings, PlannedRun run, Action<PlannedRun>? started,
        Action<PlannedRun, RunProgress>? progress, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return null;
        string directory = DirectoryOf(settings, run);
        DeleteQuietly(Path.Combine(directory, MetricsFile.FileName)); // a previous comparison's run never passes for this one

        var info = new ProcessStartInfo(DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardInput = true, // closed at once: the child is not interactive and never reads the terminal
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(CliAssembly);
        foreach (string a in Arguments(settings, run)) info.ArgumentList.Add(a);

        var errors = new Queue<string>();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (progress is not null && e.Data is { } line && ParseProgress(line) is { } p) progress(run, p);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (string.IsNullOrWhiteSpace(e.Data)) return;
            lock (errors)
            {
                errors.Enqueue(e.Data.Trim());
                if (errors.Count > 200) errors.Dequeue();
            }
        };

        started?.Invoke(run);
        try { process.Start(); }
        catch (Win32Exception e)
        {
            throw new CompareRunFailedException($"{Name(run)}: could not start '{info.FileName} {CliAssembly} train': {e.Message}");
        }
        Alive.TryAdd(process, 0);
        try
        {
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using (cancellationToken.Register(() => KillTree(process)))
                process.WaitForExit(); // also waits until both streams are read to their end
        }
        finally
        {
            Alive.TryRemove(process, out _);
        }

        int code = process.ExitCode;
        if (code == 0) return new FinishedRun(run, ReadMetrics(directory, run, settings.Trainer.Iterations));
        if (cancellationToken.IsCancellationRequested || code == 130) return null;
        string? message;
        lock (errors) message = LastMessage(errors);
        throw new CompareRunFailedException($"{Name(run)} failed: 'gflownet train' exited with code {I(code)}{(message is null ? " and printed nothing on stderr" : ": " + message)}");
    }

    /// <summary>The last informative stderr line: the line of an unhandled exception if there is one, else the last line
    /// that is not a stack frame (.NET's "at …", libtorch's "frame #N: …").</summary>
    internal static string? LastMessage(IEnumerable<string> lines)
    {
        var list = lines.ToList();
        return list.LastOrDefault(l => l.StartsWith("Unhandled exception.", StringComparison.Ordinal))
            ?? list.LastOrDefault(l => !(l.StartsWith("at ", StringComparison.Ordinal) || l.StartsWith("frame #", StringComparison.Ordinal)
                                         || l.StartsWith("--- End of", StringComparison.Ordinal)))
            ?? list.LastOrDefault();
    }

    [GeneratedRegex(@"^\s*\[\s*(\d+)/(\d+)\](?:\s+exact TV (\S+))?")]
    private static partial Regex ProgressLine();

    /// <summary>Reads a progress line of <c>train</c>'s redirected output, e.g. <c>[     10/100] exact TV 0.4125  JSD …</c>;
    /// null for any other line.</summary>
    internal static RunProgress? ParseProgress(string line)
    {
        var m = ProgressLine().Match(line);
        if (!m.Success || !long.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out long iteration)) return null;
        double? tv = m.Groups[3].Success && double.TryParse(m.Groups[3].ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;
        return new RunProgress(iteration, tv);
    }

    /// <summary>Reads a run's metrics.json back into the <see cref="TrainingResult"/> the trainer returned (every
    /// evaluation's log Z* is the final one's: it is a property of the environment).</summary>
    internal static TrainingResult ReadMetrics(string directory, PlannedRun run, int iterations)
    {
        string path = Path.Combine(directory, MetricsFile.FileName);
        TrainingResult result;
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new FormatException("not a JSON object");
            var final = Required(root, "final") as JsonObject ?? throw new FormatException("'final' is not an object");
            double trueLogZ = Number(final, "trueLogZ");
            EvaluationRecord Record(JsonNode? node) => node is JsonObject o
                ? new EvaluationRecord(Required(o, "iteration").GetValue<long>(), Required(o, "trajectories").GetValue<long>(),
                    Number(o, "exactTotalVariation"), Number(o, "jensenShannon"), Number(o, "logZ"), trueLogZ,
                    Required(o, "modesFound").GetValue<int>(), Number(o, "seconds"))
                : throw new FormatException("an evaluation is not an object");
            var history = Required(root, "history") as JsonArray ?? throw new FormatException("'history' is not an array");
            result = new TrainingResult(Record(final), [.. history.Select(Record)], Required(root, "completed").GetValue<bool>());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or FormatException or InvalidOperationException)
        {
            throw new CompareRunFailedException($"{Name(run)}: 'gflownet train' exited with code 0 but {path} is not readable: {e.Message}");
        }
        if (!result.Completed || result.Final.Iteration != iterations)
            throw new CompareRunFailedException($"{Name(run)}: 'gflownet train' exited with code 0 but {path} holds an unfinished run (iteration {I(result.Final.Iteration)} of {I(iterations)}).");
        return result;

        static JsonNode Required(JsonObject o, string name) => o[name] ?? throw new FormatException($"'{name}' is missing");

        // metrics.json writes a non-finite number as null.
        static double Number(JsonObject o, string name) => o.TryGetPropertyValue(name, out var n)
            ? n is null ? double.NaN : n.GetValue<double>()
            : throw new FormatException($"'{name}' is missing");
    }

    private static void KillTree(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or AggregateException or NotSupportedException) { }
    }

    private static void DeleteQuietly(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static string Name(PlannedRun run) => $"{run.Method.Name} seed {I(run.Seed)}";

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
}
