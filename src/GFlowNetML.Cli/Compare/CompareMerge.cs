using System.Globalization;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cli.Compare;

/// <summary>One input of <c>compare --merge</c>: its folder as given on the command line and what its compare.json holds.</summary>
internal sealed record MergeInput(string Directory, CompareContents Contents);

/// <summary>
/// <c>gflownet compare --merge DIR1,DIR2,… --out DIR</c>: combines comparisons run separately (in several processes or on
/// several machines) into the one a single <c>compare</c> of all their runs would have made. The inputs must share the
/// environment, iterations, batch size, eval-every and network sizes, and no (method, seed) run may be in two of them.
/// The merge holds every finished run, methods in the standard order (<see cref="TrainingMethodNames.AllowedVariants"/>)
/// and seeds ascending; its seeds are the sorted union of the inputs', its planned runs their sum, and it is complete
/// when every input is. Threads and parallel are the first input's; <c>mergedFrom</c> records every input's.
/// </summary>
internal static class CompareMerge
{
    /// <summary>The options allowed with <c>--merge</c>.</summary>
    public static readonly string[] OptionNames = [CompareSettings.Merge.Name, CompareSettings.Out.Name];

    /// <summary>Method variants in the standard order: rl-u, rl-b, rl-g, rl-t, rl-t-b, tb, tb-b, db, db-b, subtb,
    /// subtb-b, fm.</summary>
    public static readonly IReadOnlyList<string> MethodOrder = TrainingMethodNames.AllowedVariants.Split(", ");

    /// <summary>The folders of <c>--merge</c>, as given; none twice, and none the <c>--out</c> folder.</summary>
    public static IReadOnlyList<string> ParseDirectories(string raw, string outDirectory)
    {
        var directories = new List<string>();
        foreach (string item in raw.Split(','))
        {
            string directory = item.Trim();
            if (directory.Length == 0)
                throw new UsageException($"--merge must be a comma-separated list of folders written by 'gflownet compare --out', e.g. runs/a,runs/b; got an empty name in '{raw}'.");
            if (directories.Any(d => SamePath(d, directory))) throw new UsageException($"--merge names '{directory}' twice.");
            directories.Add(directory);
        }
        if (directories.Any(d => SamePath(d, outDirectory)))
            throw new UsageException($"--out '{outDirectory}' is one of the --merge folders; write the merged comparison to another folder, so that no input is overwritten.");
        return directories;
    }

    /// <summary>Reads <c>DIR/compare.json</c>; a missing or malformed file is a usage error naming it.</summary>
    public static MergeInput Read(string directory)
    {
        string path = Path.Combine(directory, CompareFile.FileName);
        if (!File.Exists(path))
            throw new UsageException($"--merge: '{path}' does not exist; --merge takes folders written by 'gflownet compare --out'.");
        try { return new MergeInput(directory, CompareFile.Read(path)); }
        catch (InvalidDataException e) { throw new UsageException($"--merge: {e.Message}"); }
    }

    /// <summary>Merges the inputs (in command-line order; the first one's threads and parallel are kept).</summary>
    /// <exception cref="UsageException">Two inputs differ in a setting their runs share, or hold the same run.</exception>
    public static CompareContents Merge(IReadOnlyList<MergeInput> inputs)
    {
        if (inputs.Count == 0) throw new ArgumentException("nothing to merge", nameof(inputs));
        var first = inputs[0];
        foreach (var input in inputs.Skip(1)) EnsureCompatible(input, first);

        var owner = new Dictionary<(string Method, long Seed), string>();
        foreach (var input in inputs)
            foreach (var run in input.Contents.Runs)
                if (!owner.TryAdd((run.Run.Method.Name, run.Run.Seed), input.Directory))
                    throw new UsageException($"--merge: {run.Run.Method.Name} seed {I(run.Run.Seed)} is in both '{owner[(run.Run.Method.Name, run.Run.Seed)]}' and '{input.Directory}'.");

        var h = first.Contents.Header;
        double trueLogZ = inputs.Select(i => i.Contents.Header.TrueLogZ).FirstOrDefault(double.IsFinite, h.TrueLogZ);
        var methods = inputs.SelectMany(i => i.Contents.Methods).DistinctBy(m => m.Name).OrderBy(Position).ToList();
        var runs = inputs.SelectMany(i => i.Contents.Runs)
            .OrderBy(r => Position(r.Run.Method)).ThenBy(r => r.Run.Seed)
            .Select((r, index) => new FinishedRun(r.Run with { Index = index }, r.Result).WithTrueLogZ(trueLogZ))
            .ToList();
        var header = h with
        {
            TrueLogZ = trueLogZ,
            Seeds = [.. inputs.SelectMany(i => i.Contents.Header.Seeds).Distinct().Order()],
            Completed = inputs.All(i => i.Contents.Header.Completed),
            RunsPlanned = inputs.Sum(i => i.Contents.Header.RunsPlanned),
            MergedFrom = [.. inputs.Select(i => new MergedInput(FullPath(i.Directory), i.Contents.Header.Threads, i.Contents.Header.Parallel, i.Contents.Header.MergedFrom))],
        };
        return new CompareContents(header, methods, runs);
    }

    /// <summary>The position of a method in <see cref="MethodOrder"/>.</summary>
    private static int Position(MethodVariant method)
    {
        int i = ((IList<string>)MethodOrder).IndexOf(method.Name);
        return i >= 0 ? i : MethodOrder.Count;
    }

    private static void EnsureCompatible(MergeInput input, MergeInput first)
    {
        CompareHeader a = input.Contents.Header, b = first.Contents.Header;
        if (a.Environment != b.Environment)
            throw new UsageException($"--merge: '{input.Directory}' was run on {a.Environment}, '{first.Directory}' on {b.Environment}.");
        Same("iterations", a.Iterations, b.Iterations);
        Same("batch-size", a.BatchSize, b.BatchSize);
        Same("eval-every", a.EvalEvery, b.EvalEvery);
        Same("hidden-layers", a.Networks.HiddenLayers, b.Networks.HiddenLayers);
        Same("hidden-width", a.Networks.HiddenWidth, b.Networks.HiddenWidth);
        Same("critic-layers", a.Networks.CriticLayers, b.Networks.CriticLayers);
        Same("critic-width", a.Networks.CriticWidth, b.Networks.CriticWidth);

        void Same(string option, int value, int firstValue)
        {
            if (value != firstValue)
                throw new UsageException($"--merge: '{input.Directory}' was run with --{option} {I(value)}, '{first.Directory}' with {I(firstValue)}.");
        }
    }

    private static string FullPath(string directory) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));

    private static bool SamePath(string a, string b) => string.Equals(FullPath(a), FullPath(b), StringComparison.Ordinal);

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
}
