using GFlowNetML.Environments;

namespace GFlowNetML.Guides;

/// <summary>
/// A guide π_G for RL-G (Niu et al., ICML 2024, §3.3): a forward policy that encodes prior knowledge of where good
/// objects lie. RL-G trains the backward policy π_B to match it, J_B^G = E_x KL(P_B(·|x) ‖ P_G(·|x)), with per-step
/// backward costs log π_B(s|s') − log π_G(s'|s). A guide sees the current forward policy, so the usual guide is "π_F,
/// corrected where we know better".
/// </summary>
/// <remarks>
/// To write a guide, derive from this class and implement <see cref="LogProbabilities"/>; override <see cref="Observe"/>
/// when the guide learns from the sampled objects (for example a replay buffer of high-reward objects). Pass it to the
/// trainer, or return it from the environment's <see cref="GFlowNetEnvironment.DefaultGuide"/>. Implementations must be
/// deterministic. <see cref="Sampling.LogSoftmax.Masked"/> renormalises reweighted log-probabilities.
/// </remarks>
public abstract class GFlowNetGuide
{
    /// <summary>A short name for reports, e.g. <c>hypergrid-no-exit-below-r0</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Writes log π_G(·|s) for a batch of states (forward actions, exit included).</summary>
    /// <param name="states">The states s, <c>n · StateWidth</c> integers.</param>
    /// <param name="masks">Their forward masks, <c>n · ActionCount</c> flags; disallowed actions must get −∞.</param>
    /// <param name="targets">For each row, the object x whose backward trajectory the transition lies on, <c>n · StateWidth</c>
    /// (guides that only look at s may ignore it).</param>
    /// <param name="forwardLogProbabilities">log π_F(·|s) of the current forward policy, <c>n · ActionCount</c> (−∞ where disallowed).</param>
    /// <param name="guideLogProbabilities">Receives log π_G(·|s), <c>n · ActionCount</c>; each row must be a normalised
    /// distribution over the allowed actions.</param>
    public abstract void LogProbabilities(ReadOnlySpan<int> states, ReadOnlySpan<bool> masks, ReadOnlySpan<int> targets,
        ReadOnlySpan<float> forwardLogProbabilities, Span<float> guideLogProbabilities);

    /// <summary>Called once per training iteration with the terminal objects of the forward batch and their log-rewards,
    /// before the backward update. Does nothing by default.</summary>
    /// <param name="terminalStates">The batch's terminal objects, <c>n · StateWidth</c>.</param>
    /// <param name="logRewards">Their log-rewards.</param>
    public virtual void Observe(ReadOnlySpan<int> terminalStates, ReadOnlySpan<double> logRewards)
    {
    }
}
