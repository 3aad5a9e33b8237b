namespace GFlowNetML.Torch.Training;

/// <summary>
/// The default of every trainer option, stated once (as ML.NET's <c>Defaults</c> classes do):
/// <see cref="GFlowNetTrainerOptions"/>, the ML.NET Options and catalog overloads of GFlowNetML, and the <c>gflownet</c>
/// command's option tables all read them from here. The values are the paper's hyper-grid settings.
/// </summary>
public static class GFlowNetDefaults
{
    /// <summary>Training iterations, each on one batch: 2000.</summary>
    public const int Iterations = 2000;

    /// <summary>Trajectories per iteration: 128.</summary>
    public const int BatchSize = 128;

    /// <summary>Evaluate every this many iterations: 10.</summary>
    public const int EvalEvery = 10;

    /// <summary>The forward policy's learning rate: 1e-3.</summary>
    public const double PolicyLearningRate = 1e-3;

    /// <summary>log Z's learning rate: 0.1.</summary>
    public const double LogZLearningRate = 0.1;

    /// <summary>The critic's learning rate (RL methods): 5e-3.</summary>
    public const double CriticLearningRate = 5e-3;

    /// <summary>λ of the λ-advantages (RL methods): 0.99.</summary>
    public const double Lambda = 0.99;

    /// <summary>λ of the backward policy's advantages (RL-B, RL-G): 1, the paper's unbiased setting.</summary>
    public const double BackwardLambda = 1.0;

    /// <summary>λ of SubTB's geometric-within weighting: 0.9.</summary>
    public const double SubTrajectoryLambda = 0.9;

    /// <summary>RL-T's trust-region radius δ: 0.01.</summary>
    public const double TrustRegionDelta = 0.01;

    /// <summary>RL-T's conjugate-gradient iterations: 10.</summary>
    public const int ConjugateGradientIterations = 10;

    /// <summary>RL-T's backtracking line-search trials: 20.</summary>
    public const int LineSearchSteps = 20;

    /// <summary>Hidden layers of the policy network: 4.</summary>
    public const int PolicyHiddenLayers = 4;

    /// <summary>Width of the policy's hidden layers: 256.</summary>
    public const int PolicyHiddenWidth = 256;

    /// <summary>Hidden layers of the critic: 2.</summary>
    public const int CriticHiddenLayers = 2;

    /// <summary>Width of the critic's hidden layers: 256.</summary>
    public const int CriticHiddenWidth = 256;

    /// <summary>ε's geometric decay per iteration: 0.99.</summary>
    public const double EpsilonDecay = 0.99;

    /// <summary>The floor on log R(x) inside the losses: −12 (the reference code's).</summary>
    public const double LogRewardClamp = -12;

    /// <summary>On-policy samples per evaluation where the space is too large to enumerate: 1000.</summary>
    public const int EvalSamples = 1000;

    /// <summary>k of the sampled top-k metrics: 100.</summary>
    public const int TopK = Evaluation.SampledMetrics.DefaultTopK;

    /// <summary>libtorch threads: 1, so that a seed gives the same model on any machine.</summary>
    public const int Threads = 1;
}
