using GFlowNetML.Environments;

namespace GFlowNetML.Guides;

/// <summary>
/// The hyper-grid guide of Niu et al. (ICML 2024, §2.7 of the algorithm note): π_F with the exit probability capped at
/// <see cref="ExitCapGuide.ExitCap"/> in cells whose reward is the base R0 (outside every high-reward region), then renormalised —
/// "do not stop in low-reward regions". Elsewhere π_G = π_F.
/// </summary>
/// <remarks>The reference code caps the exit <em>logit</em> at log 1e-5; this guide caps the exit
/// <em>log-probability</em> (<see cref="ExitCapGuide"/>).</remarks>
public sealed class HyperGridGuide : ExitCapGuide
{
    private readonly HyperGrid _grid;

    /// <summary>Creates the guide for a grid.</summary>
    /// <param name="grid">The hyper-grid.</param>
    /// <param name="exitCap">The cap on π_F's exit probability in base-reward cells before renormalisation, in (0, 1).
    /// Default 1e-5 (the paper's).</param>
    public HyperGridGuide(HyperGrid grid, double exitCap = 1e-5) : base(grid ?? throw new ArgumentNullException(nameof(grid)), exitCap)
    {
        _grid = grid;
    }

    /// <inheritdoc/>
    public override string Name => "hypergrid-no-exit-below-r0";

    /// <inheritdoc/>
    protected override void SelectCappedStates(ReadOnlySpan<int> states, Span<bool> capped)
    {
        int width = _grid.StateWidth;
        for (int r = 0; r < capped.Length; r++) capped[r] = _grid.IsBaseReward(states.Slice(r * width, width));
    }
}
