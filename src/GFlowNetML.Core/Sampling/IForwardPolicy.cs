namespace GFlowNetML.Sampling;

/// <summary>A forward policy π_F as the sampler sees it: log-probabilities of every action for a batch of states.</summary>
public interface IForwardPolicy
{
    /// <summary>Writes log π_F(a|s) for a batch of states.</summary>
    /// <param name="features">The encoded states, <c>rows · EncodingWidth</c> floats.</param>
    /// <param name="masks">The forward masks, <c>rows · ActionCount</c> flags.</param>
    /// <param name="rows">The number of states.</param>
    /// <param name="logProbabilities">Receives <c>rows · ActionCount</c> log-probabilities; disallowed actions must get a
    /// value whose exponential is 0 (or −∞).</param>
    void LogProbabilities(ReadOnlySpan<float> features, ReadOnlySpan<bool> masks, int rows, Span<float> logProbabilities);
}
