using GFlowNetML.Environments;

namespace GFlowNetML.Guides;

/// <summary>
/// The Bayesian-network guide of Niu et al. (ICML 2024, §2.7 of the algorithm note): π_F with the exit probability capped
/// at <see cref="ExitCapGuide.ExitCap"/> (default 1e-10) in every DAG whose log-reward is at most <see cref="Threshold"/> (default 75),
/// then renormalised — "do not stop at a poorly scoring graph". Elsewhere π_G = π_F.
/// </summary>
/// <remarks>
/// <para>The threshold is on log R(G) = BGe(G) − BGe(∅), which is relative to the empty graph and depends on the data
/// (its scale and the number of samples): 75 is the paper's value for its d = 5, N = 100 task, and other data sets need
/// their own (for example a fraction of the largest log-reward). A threshold below every log-reward disables the guide;
/// one above every log-reward caps the exit everywhere.</para>
/// <para>As in <see cref="HyperGridGuide"/>, the cap applies to π_F's exit log-probability (<see cref="ExitCapGuide"/>).</para>
/// </remarks>
public sealed class DagGuide : ExitCapGuide
{
    private readonly DagEnvironment _environment;

    /// <summary>Creates the guide.</summary>
    /// <param name="environment">The structure-learning environment.</param>
    /// <param name="threshold">Exits are capped where log R(G) ≤ threshold; finite (default 75, the paper's).</param>
    /// <param name="exitCap">The cap on π_F's exit probability, in (0, 1) (default 1e-10, the paper's).</param>
    public DagGuide(DagEnvironment environment, double threshold = 75, double exitCap = 1e-10) : base(environment, exitCap)
    {
        _environment = environment;
        if (!double.IsFinite(threshold)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "threshold must be a finite number.");
        Threshold = threshold;
    }

    /// <summary>The log-reward at or below which the exit is capped.</summary>
    public double Threshold { get; }

    /// <inheritdoc/>
    public override string Name => "dag-no-exit-below-threshold";

    /// <inheritdoc/>
    protected override void SelectCappedStates(ReadOnlySpan<int> states, Span<bool> capped)
    {
        var logRewards = new double[capped.Length];
        _environment.LogReward(states, logRewards);
        for (int r = 0; r < capped.Length; r++) capped[r] = logRewards[r] <= Threshold;
    }
}
