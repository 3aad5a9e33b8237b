using GFlowNetML.Parameters;
using static GFlowNetML.Parameters.ParameterDeclaration;

namespace GFlowNetML.Torch.Training;

/// <summary>
/// The trainer's numeric options, each declared once (name, type, default from <see cref="GFlowNetDefaults"/>, range,
/// description): <see cref="GFlowNetTrainerOptions.Validate"/> checks against them and the <c>gflownet</c> command's
/// option tables are made of them, so the rules and their wording stand in one place. The names are the command-line
/// options' (<c>batch-size</c>, <c>lr</c>); the library's messages name the property (<c>BatchSize</c>) instead.
/// </summary>
public static class GFlowNetTrainerParameters
{
    /// <summary><see cref="GFlowNetTrainerOptions.Iterations"/>.</summary>
    public static readonly ParameterDeclaration Iterations = Integer("iterations", GFlowNetDefaults.Iterations, 1, long.MaxValue, "training iterations, each on one batch");

    /// <summary><see cref="GFlowNetTrainerOptions.BatchSize"/>.</summary>
    public static readonly ParameterDeclaration BatchSize = Integer("batch-size", GFlowNetDefaults.BatchSize, 1, GFlowNetTrainerOptions.MaxBatchSize, "trajectories per iteration");

    /// <summary><see cref="GFlowNetTrainerOptions.EvalEvery"/>.</summary>
    public static readonly ParameterDeclaration EvalEvery = Integer("eval-every", GFlowNetDefaults.EvalEvery, 1, long.MaxValue, "evaluate every K iterations (and at the start and the end)");

    /// <summary><see cref="GFlowNetTrainerOptions.Threads"/>.</summary>
    public static readonly ParameterDeclaration Threads = Integer("threads", GFlowNetDefaults.Threads, 1, 256, "libtorch threads");

    /// <summary><see cref="GFlowNetTrainerOptions.EvalSamples"/>.</summary>
    public static readonly ParameterDeclaration EvalSamples = Integer("eval-samples", GFlowNetDefaults.EvalSamples, 1, 1_000_000, "on-policy samples per evaluation where the space is too large to enumerate");

    /// <summary><see cref="GFlowNetTrainerOptions.TopK"/>.</summary>
    public static readonly ParameterDeclaration TopK = Integer("top-k", GFlowNetDefaults.TopK, 1, 1_000_000, "k of the sampled top-k metrics");

    /// <summary><see cref="GFlowNetTrainerOptions.PolicyLearningRate"/>.</summary>
    public static readonly ParameterDeclaration PolicyLearningRate = Number("lr", GFlowNetDefaults.PolicyLearningRate, 0, double.PositiveInfinity, "the forward policy's learning rate", exclusiveMinimum: true);

    /// <summary><see cref="GFlowNetTrainerOptions.LogZLearningRate"/>.</summary>
    public static readonly ParameterDeclaration LogZLearningRate = Number("lr-logz", GFlowNetDefaults.LogZLearningRate, 0, double.PositiveInfinity, "log Z's learning rate", exclusiveMinimum: true);

    /// <summary><see cref="GFlowNetTrainerOptions.CriticLearningRate"/>.</summary>
    public static readonly ParameterDeclaration CriticLearningRate = Number("lr-critic", GFlowNetDefaults.CriticLearningRate, 0, double.PositiveInfinity, "the critic's learning rate (RL methods)", exclusiveMinimum: true);

    /// <summary><see cref="GFlowNetTrainerOptions.Lambda"/>.</summary>
    public static readonly ParameterDeclaration Lambda = Number("lambda", GFlowNetDefaults.Lambda, 0, 1, "λ of the λ-advantages (RL methods)");

    /// <summary><see cref="GFlowNetTrainerOptions.BackwardLambda"/>.</summary>
    public static readonly ParameterDeclaration BackwardLambda = Number("backward-lambda", GFlowNetDefaults.BackwardLambda, 0, 1, "λ of the backward policy's advantages (rl-b, rl-g)");

    /// <summary><see cref="GFlowNetTrainerOptions.SubTrajectoryLambda"/>.</summary>
    public static readonly ParameterDeclaration SubTrajectoryLambda = Number("subtb-lambda", GFlowNetDefaults.SubTrajectoryLambda, 0, 1, "λ of SubTB's sub-trajectory weighting", exclusiveMinimum: true);

    /// <summary><see cref="GFlowNetTrainerOptions.TrustRegionDelta"/>.</summary>
    public static readonly ParameterDeclaration TrustRegionDelta = Number("delta", GFlowNetDefaults.TrustRegionDelta, 0, double.PositiveInfinity, "rl-t's trust-region radius δ (mean KL)", exclusiveMinimum: true);

    /// <summary><see cref="GFlowNetTrainerOptions.ConjugateGradientIterations"/>.</summary>
    public static readonly ParameterDeclaration ConjugateGradientIterations = Integer("cg-iterations", GFlowNetDefaults.ConjugateGradientIterations, 1, 1000, "rl-t's conjugate-gradient iterations");

    /// <summary><see cref="GFlowNetTrainerOptions.LineSearchSteps"/>.</summary>
    public static readonly ParameterDeclaration LineSearchSteps = Integer("line-search-steps", GFlowNetDefaults.LineSearchSteps, 1, 100, "rl-t's backtracking line-search trials");

    /// <summary><see cref="GFlowNetTrainerOptions.PolicyHiddenLayers"/>.</summary>
    public static readonly ParameterDeclaration PolicyHiddenLayers = Integer("hidden-layers", GFlowNetDefaults.PolicyHiddenLayers, 0, 64, "hidden layers of the policy network");

    /// <summary><see cref="GFlowNetTrainerOptions.PolicyHiddenWidth"/>.</summary>
    public static readonly ParameterDeclaration PolicyHiddenWidth = Integer("hidden-width", GFlowNetDefaults.PolicyHiddenWidth, 1, 1 << 16, "width of the policy's hidden layers");

    /// <summary><see cref="GFlowNetTrainerOptions.CriticHiddenLayers"/>.</summary>
    public static readonly ParameterDeclaration CriticHiddenLayers = Integer("critic-layers", GFlowNetDefaults.CriticHiddenLayers, 0, 64, "hidden layers of the critic");

    /// <summary><see cref="GFlowNetTrainerOptions.CriticHiddenWidth"/>.</summary>
    public static readonly ParameterDeclaration CriticHiddenWidth = Integer("critic-width", GFlowNetDefaults.CriticHiddenWidth, 1, 1 << 16, "width of the critic's hidden layers");

    /// <summary><see cref="GFlowNetTrainerOptions.EpsilonStart"/>.</summary>
    public static readonly ParameterDeclaration EpsilonStart = Number("epsilon-start", 0, 0, 1, "initial ε of ε-uniform exploration (value-based methods only)");

    /// <summary><see cref="GFlowNetTrainerOptions.EpsilonEnd"/>; its maximum is the option's <c>EpsilonStart</c>.</summary>
    public static readonly ParameterDeclaration EpsilonEnd = Number("epsilon-end", 0, 0, 1, "the ε it decays towards (at most epsilon-start)");

    /// <summary><see cref="GFlowNetTrainerOptions.EpsilonDecay"/>.</summary>
    public static readonly ParameterDeclaration EpsilonDecay = Number("epsilon-decay", GFlowNetDefaults.EpsilonDecay, 0, 1, "ε's geometric decay per iteration");

    /// <summary><see cref="GFlowNetTrainerOptions.LogRewardClamp"/>.</summary>
    public static readonly ParameterDeclaration LogRewardClamp = Number("log-reward-clamp", GFlowNetDefaults.LogRewardClamp, double.NegativeInfinity, double.PositiveInfinity, "the floor on log R(x) inside the losses");

    /// <summary><see cref="GFlowNetTrainerOptions.CheckpointEvery"/>.</summary>
    public static readonly ParameterDeclaration CheckpointEvery = Integer("checkpoint-every", 0, 0, long.MaxValue, "write a checkpoint every K iterations (0: never)");
}
