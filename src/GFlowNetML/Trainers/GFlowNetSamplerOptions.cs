using GFlowNetML.Torch.Training;
using Microsoft.ML.SearchSpace;

namespace GFlowNetML.Trainers;

/// <summary>
/// The options every GFlowNet estimator shares: the task, the training budget, the networks, the seed and the column names.
/// Each training method's options derive from it. The defaults are the paper's hyper-grid settings and equal the
/// <c>gflownet train</c> command's (2000 iterations of 128 trajectories, 4 × 256 policy networks, exact evaluation every 10
/// iterations, one torch thread), so that a run of the CLI and a fit with the same options and seed give the same sampler.
/// The search-space attributes' initial values are deliberately smaller (1000 iterations of 64, 2 × 64 networks): the
/// cost-frugal tuner starts from them, at the cheap corner of the space, and grows what pays.
/// </summary>
public abstract class GFlowNetSamplerOptions
{
    /// <summary>What to train on. Default the 8 × 8 hyper-grid.</summary>
    public GFlowNetTask Task = GFlowNetTask.HyperGrid();

    /// <summary>The number of training iterations. Default 2000; at least 1.</summary>
    [Range(100, 20000, 1000, true)]
    public int Iterations = GFlowNetDefaults.Iterations;

    /// <summary>The number of trajectories per iteration. Default 128; at least 1.</summary>
    [Range(16, 512, 64, true)]
    public int BatchSize = GFlowNetDefaults.BatchSize;

    /// <summary>The learning rate of the forward policy. Default 1e-3; finite, &gt; 0.</summary>
    [Range(1e-4, 1e-2, GFlowNetDefaults.PolicyLearningRate, true)]
    public double LearningRate = GFlowNetDefaults.PolicyLearningRate;

    /// <summary>The learning rate of log Z. Default 0.1; finite, &gt; 0.</summary>
    [Range(1e-3, 1.0, GFlowNetDefaults.LogZLearningRate, true)]
    public double LogZLearningRate = GFlowNetDefaults.LogZLearningRate;

    /// <summary>The number of hidden layers of the policy network (and of the learned backward policy and log-flow
    /// networks). Default 4; at least 0.</summary>
    [Range(1, 4, 2, false)]
    public int HiddenLayers = GFlowNetDefaults.PolicyHiddenLayers;

    /// <summary>The width of those hidden layers. Default 256; at least 1.</summary>
    [Choice(new object[] { 32, 64, 128, 256 }, 64)]
    public int HiddenWidth = GFlowNetDefaults.PolicyHiddenWidth;

    /// <summary>Evaluate (exactly where the space is enumerable) every this many iterations. Default 10; at least 1.</summary>
    public int EvalEvery = GFlowNetDefaults.EvalEvery;

    /// <summary>The number of CPU threads libtorch trains with. Default 1, so that a seed gives the same model on any
    /// machine, whatever its core count or <c>OMP_NUM_THREADS</c>; more threads train a large network faster but may change
    /// the last bits of the result. In [1, 256].</summary>
    public int Threads = GFlowNetDefaults.Threads;

    /// <summary>The seed of training and of the sampler; <c>null</c> takes one from the <c>MLContext</c>'s seed. Default null.</summary>
    public long? Seed;

    /// <summary>The numeric column that seeds each row's sample (any ML.NET number type; the sample depends only on it and
    /// the fit's seed). Default <c>Seed</c>.</summary>
    public string SeedColumnName = "Seed";

    /// <summary>The output column of the sampled object: text for sequences, a Single vector (the state) otherwise. Default <c>Sample</c>.</summary>
    public string SampleColumnName = "Sample";

    /// <summary>The output column of log R of the sample (Single). Default <c>LogReward</c>.</summary>
    public string LogRewardColumnName = "LogReward";

    /// <summary>The output column of the log-probability of the sampled trajectory under the sampler (Single). Default <c>LogProbability</c>.</summary>
    public string LogProbabilityColumnName = "LogProbability";

    /// <summary>The training method these options describe.</summary>
    private protected abstract TrainingMethod Method { get; }

    /// <summary>Writes the method's own options.</summary>
    private protected abstract void Apply(GFlowNetTrainerOptions options);

    /// <summary>The trainer options these options stand for, validated (<see cref="ArgumentOutOfRangeException"/> names the option).</summary>
    internal GFlowNetTrainerOptions ToTrainerOptions(long seed)
    {
        if (Task is null) throw new ArgumentOutOfRangeException(nameof(Task), "Task must be set.");
        foreach (var (name, value) in new[] { (nameof(SeedColumnName), SeedColumnName), (nameof(SampleColumnName), SampleColumnName),
                     (nameof(LogRewardColumnName), LogRewardColumnName), (nameof(LogProbabilityColumnName), LogProbabilityColumnName) })
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentOutOfRangeException(name, value, $"{name} must name a column.");
        var outputs = new[] { SampleColumnName, LogRewardColumnName, LogProbabilityColumnName };
        if (outputs.Distinct(StringComparer.Ordinal).Count() != 3)
            throw new ArgumentOutOfRangeException(nameof(SampleColumnName), $"The output columns must have distinct names; got {string.Join(", ", outputs)}.");
        var options = new GFlowNetTrainerOptions
        {
            Method = Method, Iterations = Iterations, BatchSize = BatchSize, Seed = seed, EvalEvery = EvalEvery,
            PolicyLearningRate = LearningRate, LogZLearningRate = LogZLearningRate,
            PolicyHiddenLayers = HiddenLayers, PolicyHiddenWidth = HiddenWidth, Threads = Threads,
        };
        Apply(options);
        options.Validate();
        return options;
    }
}

/// <summary>How RL's backward policy is chosen (the paper's RL-U, RL-B and RL-G).</summary>
public enum PolicyGradientVariant
{
    /// <summary>RL-U: a uniform backward policy.</summary>
    Uniform,

    /// <summary>RL-B: a backward policy learned by policy gradient.</summary>
    Backward,

    /// <summary>RL-G: a backward policy learned towards the environment's guide.</summary>
    Guided,
}

/// <summary>Options of the policy-gradient trainer (Niu et al., ICML 2024).</summary>
public sealed class PolicyGradientOptions : GFlowNetSamplerOptions
{
    /// <summary>RL-U, RL-B or RL-G. Default <see cref="PolicyGradientVariant.Uniform"/>.</summary>
    public PolicyGradientVariant Variant = PolicyGradientVariant.Uniform;

    /// <summary>λ of the λ-advantages. Default 0.99; in [0, 1].</summary>
    [Range(0.8, 1.0, GFlowNetDefaults.Lambda, false)]
    public double Lambda = GFlowNetDefaults.Lambda;

    /// <summary>The learning rate of the critic. Default 5e-3; finite, &gt; 0.</summary>
    [Range(1e-4, 1e-1, GFlowNetDefaults.CriticLearningRate, true)]
    public double CriticLearningRate = GFlowNetDefaults.CriticLearningRate;

    /// <summary>The number of hidden layers of the critic V. Default 2; at least 0.</summary>
    public int CriticHiddenLayers = GFlowNetDefaults.CriticHiddenLayers;

    /// <summary>The width of the critic's hidden layers. Default 256; at least 1.</summary>
    public int CriticHiddenWidth = GFlowNetDefaults.CriticHiddenWidth;

    private protected override TrainingMethod Method => Variant switch
    {
        PolicyGradientVariant.Uniform => TrainingMethod.PolicyGradientUniform,
        PolicyGradientVariant.Backward => TrainingMethod.PolicyGradientBackward,
        PolicyGradientVariant.Guided => TrainingMethod.PolicyGradientGuided,
        _ => throw new ArgumentOutOfRangeException(nameof(Variant), Variant, "Variant must be Uniform, Backward or Guided."),
    };

    private protected override void Apply(GFlowNetTrainerOptions options)
    {
        options.Lambda = Lambda;
        options.CriticLearningRate = CriticLearningRate;
        options.CriticHiddenLayers = CriticHiddenLayers;
        options.CriticHiddenWidth = CriticHiddenWidth;
    }
}

/// <summary>Options of the trust-region trainer RL-T.</summary>
public sealed class TrustRegionOptions : GFlowNetSamplerOptions
{
    /// <summary>The trust-region radius δ (mean KL per step). Default 0.01; finite, &gt; 0.</summary>
    [Range(1e-3, 1e-1, GFlowNetDefaults.TrustRegionDelta, true)]
    public double Delta = GFlowNetDefaults.TrustRegionDelta;

    /// <summary>λ of the λ-advantages. Default 0.99; in [0, 1].</summary>
    [Range(0.8, 1.0, GFlowNetDefaults.Lambda, false)]
    public double Lambda = GFlowNetDefaults.Lambda;

    /// <summary>The learning rate of the critic. Default 5e-3; finite, &gt; 0.</summary>
    public double CriticLearningRate = GFlowNetDefaults.CriticLearningRate;

    /// <summary>The number of hidden layers of the critic V. Default 2; at least 0.</summary>
    public int CriticHiddenLayers = GFlowNetDefaults.CriticHiddenLayers;

    /// <summary>The width of the critic's hidden layers. Default 256; at least 1.</summary>
    public int CriticHiddenWidth = GFlowNetDefaults.CriticHiddenWidth;

    /// <summary>Whether to learn the backward policy (RL-T-B). Default false.</summary>
    public bool LearnBackwardPolicy;

    private protected override TrainingMethod Method => TrainingMethod.TrustRegion;

    private protected override void Apply(GFlowNetTrainerOptions options)
    {
        options.TrustRegionDelta = Delta;
        options.Lambda = Lambda;
        options.CriticLearningRate = CriticLearningRate;
        options.CriticHiddenLayers = CriticHiddenLayers;
        options.CriticHiddenWidth = CriticHiddenWidth;
        options.LearnBackwardPolicy = LearnBackwardPolicy;
    }
}

/// <summary>Options shared by the value-based balance trainers (TB, DB, SubTB): ε-uniform exploration and the backward policy.</summary>
public abstract class BalanceOptions : GFlowNetSamplerOptions
{
    /// <summary>Whether to learn the backward policy ("-B") instead of the uniform one. Default false.</summary>
    public bool LearnBackwardPolicy;

    /// <summary>The initial ε of ε-uniform exploration. Default 0; in [0, 1].</summary>
    [Range(0.0, 0.5, 0.0, false)]
    public double Epsilon;

    private protected override void Apply(GFlowNetTrainerOptions options)
    {
        options.LearnBackwardPolicy = LearnBackwardPolicy;
        options.EpsilonStart = Epsilon;
        options.EpsilonEnd = 0;
    }
}

/// <summary>Options of the trajectory-balance trainer (Malkin et al. 2022).</summary>
public sealed class TrajectoryBalanceOptions : BalanceOptions
{
    private protected override TrainingMethod Method => TrainingMethod.TrajectoryBalance;
}

/// <summary>Options of the detailed-balance trainer (Bengio et al. 2023).</summary>
public sealed class DetailedBalanceOptions : BalanceOptions
{
    private protected override TrainingMethod Method => TrainingMethod.DetailedBalance;
}

/// <summary>Options of the sub-trajectory-balance trainer (Madan et al. 2023).</summary>
public sealed class SubTrajectoryBalanceOptions : BalanceOptions
{
    /// <summary>λ of the geometric weighting of sub-trajectories. Default 0.9; in (0, 1].</summary>
    [Range(0.5, 1.0, GFlowNetDefaults.SubTrajectoryLambda, false)]
    public double SubTrajectoryLambda = GFlowNetDefaults.SubTrajectoryLambda;

    private protected override TrainingMethod Method => TrainingMethod.SubTrajectoryBalance;

    private protected override void Apply(GFlowNetTrainerOptions options)
    {
        base.Apply(options);
        options.SubTrajectoryLambda = SubTrajectoryLambda;
    }
}

/// <summary>Options of the flow-matching trainer (Bengio et al. 2021), the CLI's <c>fm</c>: it learns edge flows F(s→s′)
/// and matches in-flow to out-flow at every state of the sampled trajectories. The policy network's outputs are the log edge flows,
/// so it needs no log Z parameter and no backward policy.</summary>
public sealed class FlowMatchingOptions : GFlowNetSamplerOptions
{
    /// <summary>The initial ε of ε-uniform exploration. Default 0; in [0, 1].</summary>
    [Range(0.0, 0.5, 0.0, false)]
    public double Epsilon;

    private protected override TrainingMethod Method => TrainingMethod.FlowMatching;

    private protected override void Apply(GFlowNetTrainerOptions options)
    {
        options.EpsilonStart = Epsilon;
        options.EpsilonEnd = 0;
    }
}
