using System.Text;

namespace GFlowNetML.Conformance;

/// <summary>The result of <see cref="EnvironmentConformance.Check"/>: the failures found, if any, and what was checked.</summary>
public sealed class ConformanceReport
{
    internal ConformanceReport(string environment, IReadOnlyList<ConformanceFailure> failures, IReadOnlyList<string> notes,
        int statesChecked, int trajectoriesSampled)
    {
        Environment = environment;
        Failures = failures;
        Notes = notes;
        StatesChecked = statesChecked;
        TrajectoriesSampled = trajectoriesSampled;
    }

    /// <summary>The environment's description.</summary>
    public string Environment { get; }

    /// <summary>Whether every check passed.</summary>
    public bool Passed => Failures.Count == 0;

    /// <summary>The failures, grouped by check in the order the checks ran. At most
    /// <see cref="ConformanceOptions.MaxFailuresPerCheck"/> are listed per check; one more entry then says how many were left out.</summary>
    public IReadOnlyList<ConformanceFailure> Failures { get; }

    /// <summary>What was limited or skipped (for example an enumeration too large to check exhaustively).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The number of distinct states that went through the per-state checks.</summary>
    public int StatesChecked { get; }

    /// <summary>The number of random forward trajectories sampled.</summary>
    public int TrajectoriesSampled { get; }

    /// <summary>Throws a <see cref="ConformanceException"/> listing every failure, unless the report passed.</summary>
    public void ThrowIfFailed()
    {
        if (!Passed) throw new ConformanceException(ToString(), Failures);
    }

    /// <summary>A summary: the environment, the verdict and every failure on its own line.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Passed ? "Environment conformance passed for " : "Environment conformance failed for ")
            .Append(Environment)
            .Append(" (").Append(StatesChecked).Append(" states, ").Append(TrajectoriesSampled).Append(" trajectories)");
        if (!Passed) text.Append(": ").Append(Failures.Count).Append(Failures.Count == 1 ? " failure" : " failures");
        text.Append('.');
        foreach (var failure in Failures) text.AppendLine().Append("  ").Append(failure);
        return text.ToString();
    }
}
