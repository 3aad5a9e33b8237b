namespace GFlowNetML;

/// <summary>One object drawn by <see cref="GFlowNetSamplerTransformer.Sample"/>.</summary>
/// <param name="Text">The object as the environment formats it (a sequence's text, a grid cell's coordinates).</param>
/// <param name="State">The object as the environment's state vector.</param>
/// <param name="LogReward">log R of the object.</param>
/// <param name="LogProbability">log of the probability of the sampled trajectory under the sampler.</param>
public sealed record GFlowNetDraw(string Text, int[] State, double LogReward, double LogProbability)
{
    /// <summary>The sequence as its tokens' names, space-separated, where the reward names its tokens
    /// (<see cref="Rewards.SequenceReward.TokenNames"/>; QM9: the building blocks' SMILES, e.g. <c>C C=O C=O c1ccccc1 C=O</c>);
    /// <c>null</c> otherwise.</summary>
    public string? Blocks { get; init; }
}
