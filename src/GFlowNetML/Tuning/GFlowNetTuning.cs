using GFlowNetML.Trainers;
using Microsoft.ML;

namespace GFlowNetML.Tuning;

/// <summary>AutoML-style hyperparameter search over the GFlowNet trainers' options: <c>mlContext.GFlowNet().Tuning</c>.</summary>
public sealed class GFlowNetTuning
{
    private readonly MLContext _mlContext;

    internal GFlowNetTuning(MLContext mlContext) => _mlContext = mlContext;

    /// <summary>An experiment tuning the options of <paramref name="baseOptions"/>'s trainer (the type decides the trainer:
    /// <see cref="PolicyGradientOptions"/>, <see cref="TrustRegionOptions"/>, <see cref="TrajectoryBalanceOptions"/>, …).</summary>
    /// <param name="baseOptions">The options every trial starts from: the task, the training budget, the columns, and the
    /// values of the options that are not tuned. They are copied per trial, never changed.</param>
    public GFlowNetExperiment CreateExperiment(GFlowNetSamplerOptions baseOptions)
        => new(_mlContext, baseOptions ?? throw new ArgumentNullException(nameof(baseOptions)));

    /// <summary>The search space of <paramref name="baseOptions"/>' type (its <c>[Range]</c>, <c>[Choice]</c> and
    /// <c>[BooleanChoice]</c> options), less <paramref name="exclude"/>.</summary>
    public SearchSpace CreateSearchSpace(GFlowNetSamplerOptions baseOptions, params string[] exclude)
        => new((baseOptions ?? throw new ArgumentNullException(nameof(baseOptions))).GetType(), exclude);
}
