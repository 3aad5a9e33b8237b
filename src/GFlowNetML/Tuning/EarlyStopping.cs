using GFlowNetML.Trainers;
using System.Globalization;

namespace GFlowNetML.Tuning;

/// <summary>How an experiment stops poor trials before their training budget is spent.</summary>
public enum EarlyStoppingRule
{
    /// <summary>Every trial trains to its full budget (the default).</summary>
    None,

    /// <summary>Median stopping: at every evaluation from the grace period on, a trial whose best metric so far is worse than
    /// the median of the completed trials' metrics at the same iteration is stopped.</summary>
    Median,

    /// <summary>Asynchronous successive halving (ASHA): at each rung (grace·η^k iterations) a trial goes on only if its best
    /// metric so far is among the top 1/η of the trials that reached the rung.</summary>
    Asha,
}

/// <summary>
/// The early-stopping settings of a <see cref="GFlowNetExperiment"/> (<see cref="GFlowNetExperiment.SetEarlyStopping(EarlyStoppingOptions)"/>).
/// Decisions are made at the trainer's evaluations (every <see cref="GFlowNetSamplerOptions.EvalEvery"/> iterations), from
/// the experiment's objective computed on each evaluation record (<see cref="TuningObjective.Evaluate(Torch.Training.EvaluationRecord)"/>):
/// the exact total variation where the space is enumerable, otherwise the sampled objective.
/// </summary>
/// <remarks>
/// <para><b>Determinism.</b> A trial is judged against the trials of earlier rounds only (see
/// <see cref="GFlowNetExperiment.TrialsPerRound"/>), never against trials of its own round, which may still be running. Those
/// trials have ended before the round starts, so every decision — and with it every trial, its metric and the best options —
/// depends on the seed and the round size only, not on <see cref="GFlowNetExperiment.MaxConcurrentTrials"/> or the order in
/// which trials finish. The first round is never stopped.</para>
/// <para><b>Median.</b> At an evaluation at iteration t ≥ <see cref="GracePeriod"/> (and before the trial's budget), the
/// reference is the succeeded trials of earlier rounds; once there are at least <see cref="MinimumTrials"/> of them, the
/// trial stops when its best metric so far is strictly greater (worse) than the median of their metrics at iteration t.</para>
/// <para><b>ASHA.</b> Rungs lie at <see cref="Rungs"/>, by default grace·η^k iterations (k = 0, 1, …) below the budget, with
/// η = <see cref="ReductionFactor"/>; a rung between two evaluations is decided at the next one. At a rung decided at
/// iteration t, the trials that reached it are this one and those of earlier rounds with an evaluation at iteration t
/// (whether they then succeeded, were pruned or failed); the trial goes on only if its rank there, by best metric so far (ties in its
/// favour), is at most ⌈n/η⌉ of the n.</para>
/// <para>A stopped trial is recorded as <see cref="TrialStatus.Pruned"/> with the iterations it ran and its metric at the
/// last evaluation; the tuner is told it as a miss (loss +∞), so it never moves the search to a point whose training it
/// did not see end.</para>
/// </remarks>
public sealed record EarlyStoppingOptions
{
    /// <summary>The rule. Default <see cref="EarlyStoppingRule.None"/>.</summary>
    public EarlyStoppingRule Rule { get; init; } = EarlyStoppingRule.None;

    /// <summary>The iterations every trial trains before it can be stopped (the first ASHA rung). Default null: the base
    /// options' <see cref="GFlowNetSamplerOptions.EvalEvery"/>, the first evaluation after the start.</summary>
    public int? GracePeriod { get; init; }

    /// <summary>ASHA's reduction factor η (at least 2): the rungs lie η times apart and the top 1/η go on. Default 3.</summary>
    public int ReductionFactor { get; init; } = 3;

    /// <summary>ASHA's rungs, in iterations (positive, increasing). Default null: grace·η^k for k = 0, 1, … below the budget.</summary>
    public IReadOnlyList<int>? Rungs { get; init; }

    /// <summary>Median stopping: the fewest completed trials the median is taken over (at least 1). Default 3.</summary>
    public int MinimumTrials { get; init; } = 3;

    /// <summary>No early stopping.</summary>
    public static EarlyStoppingOptions None { get; } = new();

    /// <summary>Checks every setting, naming the bad one and the values it allows.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Rule))
            throw new ArgumentOutOfRangeException(nameof(Rule), Rule, "Rule must be one of: None, Median, Asha.");
        if (GracePeriod is < 1)
            throw new ArgumentOutOfRangeException(nameof(GracePeriod), GracePeriod, "GracePeriod must be an iteration count of at least 1 (or null for EvalEvery).");
        if (ReductionFactor < 2)
            throw new ArgumentOutOfRangeException(nameof(ReductionFactor), ReductionFactor, "ReductionFactor must be an integer of at least 2.");
        if (MinimumTrials < 1)
            throw new ArgumentOutOfRangeException(nameof(MinimumTrials), MinimumTrials, "MinimumTrials must be an integer of at least 1.");
        if (Rungs is { } rungs)
        {
            if (rungs.Count == 0) throw new ArgumentOutOfRangeException(nameof(Rungs), "Rungs must hold at least one iteration count (or be null for grace·η^k).");
            for (int i = 0; i < rungs.Count; i++)
                if (rungs[i] < 1 || (i > 0 && rungs[i] <= rungs[i - 1]))
                    throw new ArgumentOutOfRangeException(nameof(Rungs), string.Join(",", rungs), "Rungs must be positive iteration counts in increasing order.");
        }
    }

    /// <summary>The grace period in force for base options that evaluate every <paramref name="evalEvery"/> iterations.</summary>
    public int GraceFor(int evalEvery) => GracePeriod ?? Math.Max(1, evalEvery);

    /// <summary>The ASHA rungs below <paramref name="budget"/> iterations, for base options that evaluate every
    /// <paramref name="evalEvery"/> iterations.</summary>
    public IReadOnlyList<long> RungsBelow(long budget, int evalEvery)
    {
        var rungs = new List<long>();
        if (Rungs is { } given)
        {
            foreach (int r in given) if (r < budget) rungs.Add(r);
            return rungs;
        }
        for (long r = GraceFor(evalEvery); r < budget; r = checked(r * ReductionFactor)) rungs.Add(r);
        return rungs;
    }

    /// <inheritdoc/>
    public override string ToString() => Rule switch
    {
        EarlyStoppingRule.None => "none",
        EarlyStoppingRule.Median => string.Create(CultureInfo.InvariantCulture, $"median (grace {GracePeriod?.ToString(CultureInfo.InvariantCulture) ?? "EvalEvery"}, at least {MinimumTrials} trials)"),
        _ => string.Create(CultureInfo.InvariantCulture,
            $"asha (grace {GracePeriod?.ToString(CultureInfo.InvariantCulture) ?? "EvalEvery"}, reduction factor {ReductionFactor}{(Rungs is null ? "" : ", rungs " + string.Join(",", Rungs))})"),
    };
}

/// <summary>The objective's value at one evaluation of a trial's training.</summary>
/// <param name="Iteration">The iterations done at the evaluation.</param>
/// <param name="Metric">The objective at that evaluation (lower is better; NaN where it could not be computed).</param>
/// <param name="Seconds">The trial's training seconds at the evaluation (the trainer's clock).</param>
public sealed record TrialEvaluation(long Iteration, double Metric, double Seconds);

/// <summary>Decides, at a trial's evaluations, whether it stops: against the trials of earlier rounds only.</summary>
internal sealed class EarlyStopper
{
    private readonly EarlyStoppingOptions _options;
    private readonly IReadOnlyList<TuningTrial> _earlier;
    private readonly long _grace;
    private readonly long _evalEvery;

    public EarlyStopper(EarlyStoppingOptions options, IReadOnlyList<TuningTrial> earlier, int evalEvery)
    {
        _options = options;
        _earlier = earlier;
        _grace = options.GraceFor(evalEvery);
        _evalEvery = Math.Max(1, evalEvery);
    }

    /// <summary>Whether the trial whose evaluations so far are <paramref name="curve"/> (the last one just made) stops, with a
    /// training budget of <paramref name="budget"/> iterations.</summary>
    public bool ShouldStop(IReadOnlyList<TrialEvaluation> curve, long budget)
    {
        long t = curve[^1].Iteration;
        if (t >= budget || t < _grace) return false;
        double best = BestUpTo(curve, t);
        return _options.Rule switch
        {
            EarlyStoppingRule.Median => MedianStops(t, best),
            EarlyStoppingRule.Asha => AshaStops(curve, t, best, budget),
            _ => false,
        };
    }

    private bool MedianStops(long t, double best)
    {
        var reference = new List<double>();
        foreach (var trial in _earlier)
            if (trial.Status == TrialStatus.Succeeded && At(trial.Evaluations, t) is { } e) reference.Add(Worst(e.Metric));
        if (reference.Count < _options.MinimumTrials) return false;
        reference.Sort();
        int n = reference.Count;
        double median = n % 2 == 1 ? reference[n / 2] : (reference[n / 2 - 1] + reference[n / 2]) / 2;
        return best > median;
    }

    private bool AshaStops(IReadOnlyList<TrialEvaluation> curve, long t, double best, long budget)
    {
        // A rung r is decided at the first evaluation at or after it: here when the previous evaluation lay before r ≤ t.
        long previous = curve.Count >= 2 ? curve[^2].Iteration : 0;
        bool rung = _options.RungsBelow(budget, (int)Math.Min(int.MaxValue, _evalEvery)).Any(r => r > previous && r <= t);
        if (!rung) return false;
        int n = 1, better = 0;
        foreach (var trial in _earlier)
        {
            if (At(trial.Evaluations, t) is null) continue; // did not reach the rung
            n++;
            if (BestUpTo(trial.Evaluations, t) < best) better++;
        }
        long keep = (n + _options.ReductionFactor - 1) / _options.ReductionFactor; // ⌈n/η⌉
        return better + 1 > keep;
    }

    private static TrialEvaluation? At(IReadOnlyList<TrialEvaluation> curve, long iteration)
    {
        foreach (var e in curve) if (e.Iteration == iteration) return e;
        return null;
    }

    private static double BestUpTo(IReadOnlyList<TrialEvaluation> curve, long iteration)
    {
        double best = double.PositiveInfinity;
        foreach (var e in curve) if (e.Iteration <= iteration) best = Math.Min(best, Worst(e.Metric));
        return best;
    }

    private static double Worst(double metric) => double.IsNaN(metric) ? double.PositiveInfinity : metric;
}
