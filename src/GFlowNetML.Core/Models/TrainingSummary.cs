namespace GFlowNetML.Models;

/// <summary>How a sampler was trained, as a sampler model file records it.</summary>
/// <param name="Method">The training method's variant name (e.g. <c>rl-u</c>, <c>tb-b</c>).</param>
/// <param name="Seed">The training seed.</param>
/// <param name="Iterations">The number of training iterations done.</param>
/// <param name="Trajectories">The number of trajectories sampled for training.</param>
/// <param name="FinalMetrics">The final evaluation by name (e.g. <c>exact_tv</c>, <c>jsd</c>, <c>log_z</c>,
/// <c>true_log_z</c>, <c>modes_found</c>); empty when there was none.</param>
public sealed record TrainingSummary(string Method, long Seed, long Iterations, long Trajectories, IReadOnlyDictionary<string, double> FinalMetrics);
