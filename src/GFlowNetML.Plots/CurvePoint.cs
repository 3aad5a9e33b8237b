namespace GFlowNetML.Plots;

/// <summary>One point of <see cref="GFlowNetPlots.TrainingCurves"/>: the evaluation a training run made after a number of
/// trajectories. Exact fields are NaN where the space was not enumerated, sampled fields NaN where it was.</summary>
/// <param name="Trajectories">Trajectories sampled for training so far (the x axis).</param>
/// <param name="ExactTotalVariation">½·Σ|P_T − R/Z*|, or NaN.</param>
/// <param name="JensenShannon">The Jensen–Shannon divergence in nats, or NaN.</param>
/// <param name="LogZError">|log Z − log Z*|, or NaN where log Z* is unknown.</param>
/// <param name="MeanLogReward">The sampled mean log-reward, or NaN for exact evaluations.</param>
/// <param name="TopKMeanReward">The sampled top-k mean reward, or NaN for exact evaluations.</param>
/// <param name="MeanLoss">The mean training loss since the previous point, or NaN (at the start).</param>
/// <param name="MeanCriticLoss">The critic's mean loss since the previous point, or NaN for methods without a critic.</param>
public sealed record CurvePoint(long Trajectories, double ExactTotalVariation, double JensenShannon, double LogZError,
    double MeanLogReward = double.NaN, double TopKMeanReward = double.NaN, double MeanLoss = double.NaN, double MeanCriticLoss = double.NaN);
