namespace GFlowNetML.Sampling;

/// <summary>A policy as a sampler sees it: log-probabilities of every action for a batch of states. The same contract
/// serves a forward policy π_F (over the forward actions, with the forward masks) and a backward policy π_B (over the
/// backward actions, with the backward masks).</summary>
public interface IPolicy
{
    /// <summary>Writes log π(a|s) for a batch of states.</summary>
    /// <param name="features">The encoded states, <c>rows · EncodingWidth</c> floats.</param>
    /// <param name="masks">The masks of the policy's action set, <c>rows · actions</c> flags.</param>
    /// <param name="rows">The number of states.</param>
    /// <param name="logProbabilities">Receives <c>rows · actions</c> log-probabilities; disallowed actions must get a
    /// value whose exponential is 0 (or −∞).</param>
    void LogProbabilities(ReadOnlySpan<float> features, ReadOnlySpan<bool> masks, int rows, Span<float> logProbabilities);
}
