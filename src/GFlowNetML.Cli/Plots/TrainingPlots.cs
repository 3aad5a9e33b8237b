using GFlowNetML.Plots;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cli.Plots;

/// <summary>
/// The pictures of <c>gflownet train --plot</c>, written next to metrics.json (each to a temporary name, then renamed):
/// <c>curves.png</c> (<see cref="GFlowNetPlots.TrainingCurves"/>: the evaluations and the training losses against
/// trajectories) and <c>distribution.png</c> (<see cref="GFlowNetPlots.Distribution"/> of the learned terminating
/// distribution P_T where the space is enumerable; elsewhere <see cref="GFlowNetPlots.RewardHistogram"/> of the evaluation
/// samples).
/// </summary>
internal static class TrainingPlots
{
    public const string CurvesFile = "curves.png", DistributionFile = "distribution.png";

    /// <summary>Writes the pictures for <paramref name="trainer"/>'s run; returns their paths.</summary>
    public static IReadOnlyList<string> Write(string directory, GFlowNetTrainer trainer, TrainingResult result)
    {
        var points = result.History.Select(Point).ToList();
        string curves = GFlowNetPlots.Save(Path.Combine(directory, CurvesFile), GFlowNetPlots.TrainingCurves(trainer.Environment.Description, points));
        byte[] picture = trainer.StateSpace is { } space
            ? GFlowNetPlots.Distribution(space, trainer.TerminatingDistribution())
            : GFlowNetPlots.RewardHistogram(trainer.EvaluationLogRewards(), result.Final.Sampled, "evaluation samples");
        return [curves, GFlowNetPlots.Save(Path.Combine(directory, DistributionFile), picture)];
    }

    /// <summary>An evaluation as a point of the curves.</summary>
    public static CurvePoint Point(EvaluationRecord e) => new(e.Trajectories, e.ExactTotalVariation, e.JensenShannon,
        Math.Abs(e.LogZ - e.TrueLogZ), e.Sampled?.MeanLogReward ?? double.NaN, e.Sampled?.TopKMeanReward ?? double.NaN, e.MeanLoss, e.MeanCriticLoss);
}
