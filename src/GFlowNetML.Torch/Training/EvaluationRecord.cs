using GFlowNetML.Evaluation;

namespace GFlowNetML.Torch.Training;

/// <summary>One evaluation during training: exact where the environment enumerates its states (total variation, JSD),
/// sampled elsewhere (<paramref name="Sampled"/>; the exact fields are then NaN).</summary>
/// <param name="Iteration">The number of iterations done.</param>
/// <param name="Trajectories">The number of forward trajectories sampled so far.</param>
/// <param name="ExactTotalVariation">½·Σ|P_T(x) − R(x)/Z*| of the current policy.</param>
/// <param name="JensenShannon">The Jensen–Shannon divergence between P_T and R/Z*, in nats.</param>
/// <param name="LogZ">The learned log Z.</param>
/// <param name="TrueLogZ">The exact log Z*.</param>
/// <param name="ModesFound">The number of distinct modes among all terminal states sampled so far.</param>
/// <param name="Seconds">Wall-clock seconds of training so far (across resumes).</param>
/// <param name="Sampled">The sampled metrics, on environments too large to enumerate; null for exact evaluations.</param>
/// <param name="MeanLoss">The mean training loss over the iterations since the previous evaluation (the mean squared
/// trajectory-balance residual for every method, so that methods compare; NaN at iteration 0).</param>
/// <param name="MeanCriticLoss">The mean loss of the critic's regression over the same iterations, for the policy-gradient
/// methods (RL-U, RL-B, RL-G, RL-T); NaN for the others and at iteration 0.</param>
public sealed record EvaluationRecord(long Iteration, long Trajectories, double ExactTotalVariation, double JensenShannon,
    double LogZ, double TrueLogZ, int ModesFound, double Seconds, SampledMetrics? Sampled = null,
    double MeanLoss = double.NaN, double MeanCriticLoss = double.NaN)
{
    /// <summary>Whether this evaluation is exact (over the enumerated space) rather than sampled.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsExact => Sampled is null;
}

/// <summary>Progress of a training run, reported after every iteration.</summary>
/// <param name="Iteration">The number of iterations done.</param>
/// <param name="Iterations">The total number of iterations of the run.</param>
/// <param name="Trajectories">The number of trajectories sampled so far.</param>
/// <param name="Loss">The loss of the last iteration (the mean squared TB residual for every method, so they compare).</param>
/// <param name="LatestEvaluation">The latest exact evaluation, if any.</param>
public sealed record TrainingProgress(long Iteration, long Iterations, long Trajectories, double Loss, EvaluationRecord? LatestEvaluation);

/// <summary>The outcome of <see cref="GFlowNetTrainer.Train"/>.</summary>
/// <param name="Final">The evaluation at the last iteration done.</param>
/// <param name="History">Every evaluation, in order.</param>
/// <param name="Completed">False when training stopped early through cancellation.</param>
public sealed record TrainingResult(EvaluationRecord Final, IReadOnlyList<EvaluationRecord> History, bool Completed);
