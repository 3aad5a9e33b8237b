using GFlowNetML.Environments;

namespace GFlowNetML.Guides;

/// <summary>
/// The shape of the paper's hyper-grid and Bayesian-network guides: π_G = π_F with the exit probability capped at
/// <see cref="ExitCap"/> in the states a subclass selects (where stopping is known to be a poor choice), then renormalised
/// over the allowed actions. Elsewhere π_G = π_F.
/// </summary>
/// <remarks>The cap applies to π_F's exit <em>log-probability</em> before the masked renormalisation (the reference code
/// caps the exit logit; the two agree when the logits are normalised), so the guide's exit probability in a capped state is
/// at most cap / (1 − π_F(exit) + cap). Derive from this class for a guide of the same kind on your own environment.</remarks>
public abstract class ExitCapGuide : GFlowNetGuide
{
    private readonly GFlowNetEnvironment _environment;
    private readonly float _logCap;

    /// <summary>Creates the guide.</summary>
    /// <param name="environment">The environment whose states the guide sees.</param>
    /// <param name="exitCap">The cap on π_F's exit probability in the selected states, in (0, 1).</param>
    protected ExitCapGuide(GFlowNetEnvironment environment, double exitCap)
    {
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        if (!(exitCap > 0 && exitCap < 1)) throw new ArgumentOutOfRangeException(nameof(exitCap), exitCap, $"exitCap must be in (0, 1); got {exitCap}.");
        ExitCap = exitCap;
        _logCap = (float)Math.Log(exitCap);
    }

    /// <summary>The cap on π_F's exit probability in the selected states, applied before renormalisation.</summary>
    public double ExitCap { get; }

    /// <summary>Marks the states of the batch whose exit probability is capped.</summary>
    /// <param name="states">The states, <c>n · StateWidth</c> integers.</param>
    /// <param name="capped">Receives n flags, all false on entry.</param>
    protected abstract void SelectCappedStates(ReadOnlySpan<int> states, Span<bool> capped);

    /// <inheritdoc/>
    public sealed override void LogProbabilities(ReadOnlySpan<int> states, ReadOnlySpan<bool> masks, ReadOnlySpan<int> targets,
        ReadOnlySpan<float> forwardLogProbabilities, Span<float> guideLogProbabilities)
    {
        int actions = _environment.ActionCount, exit = _environment.ExitAction;
        int rows = _environment.BatchOf(states);
        if (masks.Length != rows * actions || forwardLogProbabilities.Length != rows * actions || guideLogProbabilities.Length != rows * actions)
            throw new ArgumentException($"Expected {rows * actions} masks and log-probabilities for {rows} states.");
        var capped = new bool[rows];
        SelectCappedStates(states, capped);
        forwardLogProbabilities.CopyTo(guideLogProbabilities);
        for (int r = 0; r < rows; r++)
        {
            if (!capped[r]) continue;
            ref float exitLogProbability = ref guideLogProbabilities[r * actions + exit];
            if (exitLogProbability > _logCap) exitLogProbability = _logCap;
        }
        Sampling.LogSoftmax.Masked(guideLogProbabilities, masks, actions);
    }
}
