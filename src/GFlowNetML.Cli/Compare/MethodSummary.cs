using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cli.Compare;

/// <summary>A mean and a sample standard deviation (n − 1 in the denominator; NaN for fewer than two values).</summary>
/// <param name="Mean">The mean; NaN without values.</param>
/// <param name="Std">The sample standard deviation.</param>
internal readonly record struct MeanStd(double Mean, double Std)
{
    public static MeanStd Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return new(double.NaN, double.NaN);
        double mean = values.Sum() / values.Count;
        double std = values.Count < 2 ? double.NaN : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return new(mean, std);
    }
}

/// <summary>One point of a method's seed-mean learning curve.</summary>
/// <param name="Iteration">The iteration of the evaluation.</param>
/// <param name="Trajectories">The trajectories sampled by then (the same for every seed).</param>
/// <param name="TotalVariation">The exact total variation over the seeds.</param>
internal sealed record CurvePoint(long Iteration, long Trajectories, MeanStd TotalVariation);

/// <summary>What a method's finished runs add up to: final metrics over the seeds, the seed-mean curve of exact total
/// variation against trajectories, and the budget needed to reach a total variation.</summary>
internal sealed class MethodSummary
{
    /// <summary>The total variations for which <see cref="TrajectoriesToTotalVariation"/> is reported.</summary>
    public static readonly double[] TotalVariationThresholds = [0.1, 0.05];

    public required MethodVariant Method { get; init; }

    /// <summary>The finished runs, in seed order.</summary>
    public required IReadOnlyList<FinishedRun> Runs { get; init; }

    public required MeanStd FinalTotalVariation { get; init; }
    public required MeanStd FinalJensenShannon { get; init; }

    /// <summary>|log Z − log Z*| at the end of the runs.</summary>
    public required MeanStd FinalLogZError { get; init; }

    public required MeanStd MsPerIteration { get; init; }

    /// <summary>The seed-mean exact total variation at every evaluation the runs share (all of them: the runs share
    /// iterations, batch size and evaluation schedule).</summary>
    public required IReadOnlyList<CurvePoint> Curve { get; init; }

    /// <summary>|log Z − log Z*| of one evaluation.</summary>
    public static double LogZError(EvaluationRecord e) => Math.Abs(e.LogZ - e.TrueLogZ);

    /// <summary>The first trajectory count at which the seed-mean exact total variation is below
    /// <paramref name="threshold"/>, or null when it never is.</summary>
    public long? TrajectoriesToTotalVariation(double threshold)
        => Curve.FirstOrDefault(p => p.TotalVariation.Mean < threshold)?.Trajectories;

    public static MethodSummary Of(MethodVariant method, IReadOnlyList<FinishedRun> runs)
    {
        var finals = runs.Select(r => r.Result.Final).ToList();
        return new MethodSummary
        {
            Method = method,
            Runs = runs,
            FinalTotalVariation = MeanStd.Of([.. finals.Select(f => f.ExactTotalVariation)]),
            FinalJensenShannon = MeanStd.Of([.. finals.Select(f => f.JensenShannon)]),
            FinalLogZError = MeanStd.Of([.. finals.Select(LogZError)]),
            MsPerIteration = MeanStd.Of([.. runs.Select(r => r.MsPerIteration)]),
            Curve = MeanCurve(runs),
        };
    }

    private static List<CurvePoint> MeanCurve(IReadOnlyList<FinishedRun> runs)
    {
        var curve = new List<CurvePoint>();
        if (runs.Count == 0) return curve;
        int length = runs.Min(r => r.Result.History.Count);
        for (int i = 0; i < length; i++)
        {
            var first = runs[0].Result.History[i];
            if (runs.Any(r => r.Result.History[i].Trajectories != first.Trajectories)) break; // schedules part ways
            curve.Add(new CurvePoint(first.Iteration, first.Trajectories, MeanStd.Of([.. runs.Select(r => r.Result.History[i].ExactTotalVariation)])));
        }
        return curve;
    }
}
