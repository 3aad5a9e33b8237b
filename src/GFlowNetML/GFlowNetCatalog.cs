using GFlowNetML.Evaluation;
using GFlowNetML.Torch.Training;
using GFlowNetML.Trainers;
using GFlowNetML.Tuning;
using Microsoft.ML;

namespace GFlowNetML;

/// <summary>Hangs the GFlowNet catalog off <see cref="MLContext"/>: <c>mlContext.GFlowNet()</c>.</summary>
public static class MLContextGFlowNetExtensions
{
    /// <summary>The GFlowNet catalog of this context: trainers and evaluation.</summary>
    public static GFlowNetCatalog GFlowNet(this MLContext mlContext) => new(mlContext ?? throw new ArgumentNullException(nameof(mlContext)));
}

/// <summary>GFlowNet trainers and evaluation for ML.NET.</summary>
public sealed class GFlowNetCatalog
{
    private readonly MLContext _mlContext;

    internal GFlowNetCatalog(MLContext mlContext)
    {
        _mlContext = mlContext;
        Trainers = new GFlowNetTrainers(mlContext);
        Tuning = new GFlowNetTuning(mlContext);
    }

    /// <summary>The trainers: policy gradient (RL-U/B/G), trust region (RL-T), TB, DB, SubTB and FM.</summary>
    public GFlowNetTrainers Trainers { get; }

    /// <summary>AutoML-style hyperparameter search over the trainers' options: search spaces, tuners and experiments.</summary>
    public GFlowNetTuning Tuning { get; }

    /// <summary>
    /// Evaluates a fitted sampler. Where the environment's states can be enumerated the metrics are exact (total variation,
    /// JSD and |log Z − log Z*| of the sampler's terminating distribution, computed by dynamic programming over the policy);
    /// the sampled metrics (mean and top-k reward, unique modes, diversity) are computed from <paramref name="samples"/> draws
    /// in every case. <see cref="GFlowNetMetrics.IsExact"/> says which.
    /// </summary>
    /// <param name="model">The fitted sampler.</param>
    /// <param name="samples">The number of draws for the sampled metrics (at least 1; default 10,000).</param>
    /// <param name="seed">The seed of the draws (default 0).</param>
    /// <param name="topK">The k of the top-k metrics (at least 1; default 100).</param>
    public GFlowNetMetrics Evaluate(GFlowNetSamplerTransformer model, int samples = 10_000, long seed = 0, int topK = SampledMetrics.DefaultTopK)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "samples must be at least 1.");
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "topK must be at least 1.");
        var env = model.Environment;
        var draws = model.Sample(samples, seed);
        var states = draws.SelectMany(d => d.State).ToArray();
        var sampled = SampledMetrics.Compute(env, states, draws.Select(d => d.LogReward).ToArray(), topK);
        var space = StateSpace.TryEnumerate(env);
        if (space is null) return new GFlowNetMetrics(false, null, null, null, sampled);
        var exact = ExactMetrics.Evaluate(space, space.ForwardLogProbabilities(model.Policy), model.LogZ);
        return new GFlowNetMetrics(true, exact.TotalVariation, exact.JensenShannon, exact.LogZError, sampled);
    }
}

/// <summary>The quality of a fitted sampler, in the ML.NET metrics style.</summary>
/// <param name="IsExact">Whether the exact metrics were computed (the environment's states can be enumerated).</param>
/// <param name="TotalVariation">½·Σ|P_T(x) − R(x)/Z*| of the sampler, or null where not exact.</param>
/// <param name="JensenShannon">The Jensen–Shannon divergence between P_T and R/Z* in nats, or null where not exact.</param>
/// <param name="LogZError">|log Z − log Z*|, or null where not exact.</param>
/// <param name="Sampled">The sampled metrics of the draws (mean and top-k reward, unique modes, diversity).</param>
public sealed record GFlowNetMetrics(bool IsExact, double? TotalVariation, double? JensenShannon, double? LogZError, SampledMetrics Sampled)
{
    /// <summary>The number of distinct modes among the draws.</summary>
    public int ModesFound => Sampled.UniqueModes;
}

/// <summary>The GFlowNet trainers, each with ML.NET's pair of overloads: flat arguments with defaults, and an Options object.</summary>
public sealed class GFlowNetTrainers
{
    private readonly MLContext _mlContext;

    internal GFlowNetTrainers(MLContext mlContext) => _mlContext = mlContext;

    /// <summary>The policy-gradient trainer (RL-U by default) of Niu et al. (ICML 2024).</summary>
    /// <param name="task">What to train on; <c>null</c> for the 8 × 8 hyper-grid.</param>
    /// <param name="iterations">Training iterations (default 2000).</param>
    /// <param name="batchSize">Trajectories per iteration (default 128).</param>
    /// <param name="variant">RL-U, RL-B or RL-G (default RL-U).</param>
    /// <param name="seedColumnName">The numeric column seeding each row's sample (default <c>Seed</c>).</param>
    public GFlowNetSamplerEstimator PolicyGradient(GFlowNetTask? task = null, int iterations = GFlowNetDefaults.Iterations, int batchSize = GFlowNetDefaults.BatchSize,
        PolicyGradientVariant variant = PolicyGradientVariant.Uniform, string seedColumnName = "Seed")
        => PolicyGradient(new PolicyGradientOptions { Task = task ?? GFlowNetTask.HyperGrid(), Iterations = iterations, BatchSize = batchSize, Variant = variant, SeedColumnName = seedColumnName });

    /// <summary>The policy-gradient trainer with all its options.</summary>
    public GFlowNetSamplerEstimator PolicyGradient(PolicyGradientOptions options) => new(_mlContext, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>The trust-region trainer RL-T.</summary>
    /// <param name="task">What to train on; <c>null</c> for the 8 × 8 hyper-grid.</param>
    /// <param name="iterations">Training iterations (default 2000).</param>
    /// <param name="batchSize">Trajectories per iteration (default 128).</param>
    /// <param name="delta">The trust-region radius δ (default 0.01).</param>
    /// <param name="seedColumnName">The numeric column seeding each row's sample (default <c>Seed</c>).</param>
    public GFlowNetSamplerEstimator TrustRegion(GFlowNetTask? task = null, int iterations = GFlowNetDefaults.Iterations, int batchSize = GFlowNetDefaults.BatchSize, double delta = GFlowNetDefaults.TrustRegionDelta, string seedColumnName = "Seed")
        => TrustRegion(new TrustRegionOptions { Task = task ?? GFlowNetTask.HyperGrid(), Iterations = iterations, BatchSize = batchSize, Delta = delta, SeedColumnName = seedColumnName });

    /// <summary>The trust-region trainer with all its options.</summary>
    public GFlowNetSamplerEstimator TrustRegion(TrustRegionOptions options) => new(_mlContext, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>The trajectory-balance trainer.</summary>
    /// <param name="task">What to train on; <c>null</c> for the 8 × 8 hyper-grid.</param>
    /// <param name="iterations">Training iterations (default 2000).</param>
    /// <param name="batchSize">Trajectories per iteration (default 128).</param>
    /// <param name="learnBackwardPolicy">Learn P_B (TB-B) instead of the uniform one (default false).</param>
    /// <param name="seedColumnName">The numeric column seeding each row's sample (default <c>Seed</c>).</param>
    public GFlowNetSamplerEstimator TrajectoryBalance(GFlowNetTask? task = null, int iterations = GFlowNetDefaults.Iterations, int batchSize = GFlowNetDefaults.BatchSize, bool learnBackwardPolicy = false, string seedColumnName = "Seed")
        => TrajectoryBalance(new TrajectoryBalanceOptions { Task = task ?? GFlowNetTask.HyperGrid(), Iterations = iterations, BatchSize = batchSize, LearnBackwardPolicy = learnBackwardPolicy, SeedColumnName = seedColumnName });

    /// <summary>The trajectory-balance trainer with all its options.</summary>
    public GFlowNetSamplerEstimator TrajectoryBalance(TrajectoryBalanceOptions options) => new(_mlContext, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>The detailed-balance trainer.</summary>
    /// <param name="task">What to train on; <c>null</c> for the 8 × 8 hyper-grid.</param>
    /// <param name="iterations">Training iterations (default 2000).</param>
    /// <param name="batchSize">Trajectories per iteration (default 128).</param>
    /// <param name="learnBackwardPolicy">Learn P_B (DB-B) instead of the uniform one (default false).</param>
    /// <param name="seedColumnName">The numeric column seeding each row's sample (default <c>Seed</c>).</param>
    public GFlowNetSamplerEstimator DetailedBalance(GFlowNetTask? task = null, int iterations = GFlowNetDefaults.Iterations, int batchSize = GFlowNetDefaults.BatchSize, bool learnBackwardPolicy = false, string seedColumnName = "Seed")
        => DetailedBalance(new DetailedBalanceOptions { Task = task ?? GFlowNetTask.HyperGrid(), Iterations = iterations, BatchSize = batchSize, LearnBackwardPolicy = learnBackwardPolicy, SeedColumnName = seedColumnName });

    /// <summary>The detailed-balance trainer with all its options.</summary>
    public GFlowNetSamplerEstimator DetailedBalance(DetailedBalanceOptions options) => new(_mlContext, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>The sub-trajectory-balance trainer.</summary>
    /// <param name="task">What to train on; <c>null</c> for the 8 × 8 hyper-grid.</param>
    /// <param name="iterations">Training iterations (default 2000).</param>
    /// <param name="batchSize">Trajectories per iteration (default 128).</param>
    /// <param name="lambda">λ of the sub-trajectory weighting (default 0.9).</param>
    /// <param name="seedColumnName">The numeric column seeding each row's sample (default <c>Seed</c>).</param>
    public GFlowNetSamplerEstimator SubTrajectoryBalance(GFlowNetTask? task = null, int iterations = GFlowNetDefaults.Iterations, int batchSize = GFlowNetDefaults.BatchSize, double lambda = GFlowNetDefaults.SubTrajectoryLambda, string seedColumnName = "Seed")
        => SubTrajectoryBalance(new SubTrajectoryBalanceOptions { Task = task ?? GFlowNetTask.HyperGrid(), Iterations = iterations, BatchSize = batchSize, SubTrajectoryLambda = lambda, SeedColumnName = seedColumnName });

    /// <summary>The sub-trajectory-balance trainer with all its options.</summary>
    public GFlowNetSamplerEstimator SubTrajectoryBalance(SubTrajectoryBalanceOptions options) => new(_mlContext, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>The flow-matching trainer (Bengio et al. 2021), the CLI's <c>fm</c>.</summary>
    /// <param name="task">What to train on; <c>null</c> for the 8 × 8 hyper-grid.</param>
    /// <param name="iterations">Training iterations (default 2000).</param>
    /// <param name="batchSize">Trajectories per iteration (default 128).</param>
    /// <param name="seedColumnName">The numeric column seeding each row's sample (default <c>Seed</c>).</param>
    public GFlowNetSamplerEstimator FlowMatching(GFlowNetTask? task = null, int iterations = GFlowNetDefaults.Iterations, int batchSize = GFlowNetDefaults.BatchSize, string seedColumnName = "Seed")
        => FlowMatching(new FlowMatchingOptions { Task = task ?? GFlowNetTask.HyperGrid(), Iterations = iterations, BatchSize = batchSize, SeedColumnName = seedColumnName });

    /// <summary>The flow-matching trainer with all its options.</summary>
    public GFlowNetSamplerEstimator FlowMatching(FlowMatchingOptions options) => new(_mlContext, options ?? throw new ArgumentNullException(nameof(options)));
}
