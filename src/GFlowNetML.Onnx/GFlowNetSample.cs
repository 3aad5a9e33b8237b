namespace GFlowNetML.Onnx;

/// <summary>One sampled object: what <see cref="SamplerSession"/> and the ML.NET transformer's <c>Sample</c> return.</summary>
/// <param name="State">The terminal state (the object) as the environment's integers.</param>
/// <param name="Text">The object as the environment formats it, e.g. <c>(3, 5)</c> or a sequence's text.</param>
/// <param name="LogProbability">log of the probability of the sampled trajectory under the sampler: the sum of log π_F
/// of its actions, exit included.</param>
/// <param name="LogReward">log R(x) of the object.</param>
/// <param name="Length">The number of actions of the trajectory, exit included.</param>
public sealed record GFlowNetSample(int[] State, string Text, double LogProbability, double LogReward, int Length)
{
    /// <summary>The sequence as its tokens' names, space-separated, where the reward names its tokens
    /// (<see cref="Rewards.SequenceReward.TokenNames"/>; QM9: the building blocks' SMILES, e.g. <c>C C=O C=O c1ccccc1 C=O</c>);
    /// <c>null</c> otherwise.</summary>
    public string? Blocks { get; init; }
}
