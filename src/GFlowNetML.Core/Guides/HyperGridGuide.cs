using GFlowNetML.Environments;

namespace GFlowNetML.Guides;

/// <summary>
/// The hyper-grid guide of Niu et al. (ICML 2024, §2.7 of the algorithm note): π_F with the exit probability capped at
/// <see cref="ExitCap"/> in cells whose reward is the base R0 (outside every high-reward region), then renormalised —
/// "do not stop in low-reward regions". Elsewhere π_G = π_F.
/// </summary>
/// <remarks>The reference code caps the exit <em>logit</em> at log 1e-5; this guide caps the exit
/// <em>log-probability</em>, which does not depend on the arbitrary offset of the logits (the two agree when the logits
/// are normalised).</remarks>
public sealed class HyperGridGuide : GFlowNetGuide
{
    private readonly HyperGrid _grid;
    private readonly float _logCap;

    /// <summary>Creates the guide for a grid.</summary>
    /// <param name="grid">The hyper-grid.</param>
    /// <param name="exitCap">The cap on π_F's exit probability in base-reward cells before renormalisation, in (0, 1).
    /// Default 1e-5 (the paper's).</param>
    public HyperGridGuide(HyperGrid grid, double exitCap = 1e-5)
    {
        _grid = grid ?? throw new ArgumentNullException(nameof(grid));
        if (!(exitCap > 0 && exitCap < 1)) throw new ArgumentOutOfRangeException(nameof(exitCap), exitCap, $"exitCap must be in (0, 1); got {exitCap}.");
        ExitCap = exitCap;
        _logCap = (float)Math.Log(exitCap);
    }

    /// <summary>The cap on π_F's exit probability in base-reward cells, applied before renormalisation (so the guide's exit
    /// probability there is at most cap / (1 − π_F(exit) + cap)).</summary>
    public double ExitCap { get; }

    /// <inheritdoc/>
    public override string Name => "hypergrid-no-exit-below-r0";

    /// <inheritdoc/>
    public override void LogProbabilities(ReadOnlySpan<int> states, ReadOnlySpan<bool> masks, ReadOnlySpan<int> targets,
        ReadOnlySpan<float> forwardLogProbabilities, Span<float> guideLogProbabilities)
    {
        int width = _grid.StateWidth, actions = _grid.ActionCount, exit = _grid.ExitAction;
        if (states.Length % width != 0)
            throw new ArgumentException($"The state batch holds {states.Length} integers, which is not a multiple of the state width {width}.", nameof(states));
        int rows = states.Length / width;
        if (masks.Length != rows * actions || forwardLogProbabilities.Length != rows * actions || guideLogProbabilities.Length != rows * actions)
            throw new ArgumentException($"Expected {rows * actions} masks and log-probabilities for {rows} states.");
        forwardLogProbabilities.CopyTo(guideLogProbabilities);
        for (int r = 0; r < rows; r++)
        {
            if (!_grid.IsBaseReward(states.Slice(r * width, width))) continue;
            ref float exitLogProbability = ref guideLogProbabilities[r * actions + exit];
            if (exitLogProbability > _logCap) exitLogProbability = _logCap;
        }
        Sampling.LogSoftmax.Masked(guideLogProbabilities, masks, actions);
    }
}
