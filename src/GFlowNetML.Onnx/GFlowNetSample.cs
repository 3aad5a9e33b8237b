namespace GFlowNetML.Onnx;

/// <summary>One object drawn by a <see cref="SamplerSession"/>.</summary>
/// <param name="State">The terminal state (the object) as the environment's integers.</param>
/// <param name="Text">The object as the environment formats it, e.g. <c>(3, 5)</c>.</param>
/// <param name="LogProbability">log of the probability of the sampled trajectory under the sampler: the sum of log π_F
/// of its actions, exit included.</param>
/// <param name="LogReward">log R(x) of the object.</param>
/// <param name="Length">The number of actions of the trajectory, exit included.</param>
public sealed record GFlowNetSample(int[] State, string Text, double LogProbability, double LogReward, int Length);
