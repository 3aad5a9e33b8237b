using GFlowNetML.Parameters;
using GFlowNetML.Torch.Training;
using static GFlowNetML.Parameters.ParameterDeclaration;

namespace GFlowNetML.Cli;

/// <summary>
/// The option table of <c>gflownet train</c>: every option declared once (name, type, default, range, description);
/// parsing (<see cref="TrainSettings.Parse"/>), <c>--help</c> and the usage errors derive from it. The trainer's defaults
/// are <see cref="GFlowNetDefaults"/>, which the library's options classes read too, so that each stands in one place.
/// </summary>
internal static class TrainOptions
{
    /// <summary>The training method names, in the order messages list them.</summary>
    public static readonly string[] MethodNames = TrainingMethodNames.Allowed.Split(", ");

    public static readonly ParameterDeclaration Method = Choice("method", new GFlowNetTrainerOptions().Method.ToName(), MethodNames,
        "the training method: policy gradient with a uniform, learned or guided backward policy, trust region, TB, DB, SubTB or FM");
    public static readonly ParameterDeclaration Iterations = Integer("iterations", GFlowNetDefaults.Iterations, 1, long.MaxValue, "training iterations, each on one batch");
    public static readonly ParameterDeclaration BatchSize = Integer("batch-size", GFlowNetDefaults.BatchSize, 1, GFlowNetTrainerOptions.MaxBatchSize, "trajectories per iteration");
    public static readonly ParameterDeclaration Seed = ParameterDeclaration.Seed("seed", "the seed every random choice flows from");
    public static readonly ParameterDeclaration EvalEvery = Integer("eval-every", GFlowNetDefaults.EvalEvery, 1, long.MaxValue, "evaluate every K iterations (and at the start and the end)");
    public static readonly ParameterDeclaration Threads = Integer("threads", GFlowNetDefaults.Threads, 1, 256, "libtorch threads");
    public static readonly ParameterDeclaration EvalSamples = Integer("eval-samples", GFlowNetDefaults.EvalSamples, 1, 1_000_000, "on-policy samples per evaluation where the space is too large to enumerate");
    public static readonly ParameterDeclaration TopK = Integer("top-k", GFlowNetDefaults.TopK, 1, 1_000_000, "k of the sampled top-k metrics");
    public static readonly ParameterDeclaration LearningRate = Number("lr", GFlowNetDefaults.PolicyLearningRate, 0, double.PositiveInfinity, "the forward policy's learning rate", exclusiveMinimum: true);
    public static readonly ParameterDeclaration LogZLearningRate = Number("lr-logz", GFlowNetDefaults.LogZLearningRate, 0, double.PositiveInfinity, "log Z's learning rate", exclusiveMinimum: true);
    public static readonly ParameterDeclaration CriticLearningRate = Number("lr-critic", GFlowNetDefaults.CriticLearningRate, 0, double.PositiveInfinity, "the critic's learning rate (RL methods)", exclusiveMinimum: true);
    public static readonly ParameterDeclaration Lambda = Number("lambda", GFlowNetDefaults.Lambda, 0, 1, "λ of the λ-advantages (RL methods)");
    public static readonly ParameterDeclaration BackwardLambda = Number("backward-lambda", GFlowNetDefaults.BackwardLambda, 0, 1, "λ of the backward policy's advantages (rl-b, rl-g)");
    public static readonly ParameterDeclaration SubTrajectoryLambda = Number("subtb-lambda", GFlowNetDefaults.SubTrajectoryLambda, 0, 1, "λ of SubTB's sub-trajectory weighting", exclusiveMinimum: true);
    public static readonly ParameterDeclaration TrustRegionDelta = Number("delta", GFlowNetDefaults.TrustRegionDelta, 0, double.PositiveInfinity, "rl-t's trust-region radius δ (mean KL)", exclusiveMinimum: true);
    public static readonly ParameterDeclaration ConjugateGradientIterations = Integer("cg-iterations", GFlowNetDefaults.ConjugateGradientIterations, 1, 1000, "rl-t's conjugate-gradient iterations");
    public static readonly ParameterDeclaration LineSearchSteps = Integer("line-search-steps", GFlowNetDefaults.LineSearchSteps, 1, 100, "rl-t's backtracking line-search trials");
    public static readonly ParameterDeclaration EpsilonStart = Number("epsilon-start", 0, 0, 1, "initial ε of ε-uniform exploration (value-based methods only)");
    public static readonly ParameterDeclaration EpsilonEnd = Number("epsilon-end", 0, 0, 1, "the ε it decays towards (at most --epsilon-start)");
    public static readonly ParameterDeclaration EpsilonDecay = Number("epsilon-decay", GFlowNetDefaults.EpsilonDecay, 0, 1, "ε's geometric decay per iteration");
    public static readonly ParameterDeclaration LogRewardClamp = Number("log-reward-clamp", GFlowNetDefaults.LogRewardClamp, double.NegativeInfinity, double.PositiveInfinity, "the floor on log R(x) inside the losses");
    public static readonly ParameterDeclaration LearnBackward = Flag("learn-backward", "train a parameterised backward policy P_B (the \"-B\" variants of rl-t, tb, db, subtb)");
    public static readonly ParameterDeclaration HiddenLayers = Integer("hidden-layers", GFlowNetDefaults.PolicyHiddenLayers, 0, 64, "hidden layers of the policy network");
    public static readonly ParameterDeclaration HiddenWidth = Integer("hidden-width", GFlowNetDefaults.PolicyHiddenWidth, 1, 1 << 16, "width of the policy's hidden layers");
    public static readonly ParameterDeclaration CriticLayers = Integer("critic-layers", GFlowNetDefaults.CriticHiddenLayers, 0, 64, "hidden layers of the critic");
    public static readonly ParameterDeclaration CriticWidth = Integer("critic-width", GFlowNetDefaults.CriticHiddenWidth, 1, 1 << 16, "width of the critic's hidden layers");
    public static readonly ParameterDeclaration Out = Text("out", "DIR", "the folder run.json, metrics.json and the checkpoint are written to", noDefault: "required");
    public static readonly ParameterDeclaration CheckpointEvery = Integer("checkpoint-every", 0, 0, long.MaxValue, "write a checkpoint every K iterations (0: never); --resume needs one");
    public static readonly ParameterDeclaration Resume = Text("resume", "DIR", "continue the run in DIR (the --out of a run with --checkpoint-every) from its checkpoint");
    public static readonly ParameterDeclaration Export = Text("export", "FILE", "also write the trained policy as an ONNX sampler model");
    public static readonly ParameterDeclaration Plot = Flag("plot", "write curves.png and distribution.png next to metrics.json");
    public static readonly ParameterDeclaration Force = Flag("force", "replace the run already in --out (refused otherwise: continue it with --resume)");

    /// <summary>The network sizes, shared with <c>compare</c>.</summary>
    public static readonly ParameterDeclaration[] Networks = [HiddenLayers, HiddenWidth, CriticLayers, CriticWidth];

    /// <summary>The options <c>--resume</c> accepts.</summary>
    public static readonly string[] ResumeOptions = [Resume.Name, Iterations.Name, Threads.Name, Export.Name, Plot.Name];

    /// <summary>The table: the environment options, then the trainer's, the networks' and the output's.</summary>
    public static readonly OptionTable Table = new("train",
    [
        .. EnvironmentSettings.Groups,
        new("Training:", [Method, Iterations, BatchSize, Seed, EvalEvery, Threads, EvalSamples, TopK, LearnBackward]),
        new("Learning rates and method options:", [LearningRate, LogZLearningRate, CriticLearningRate, Lambda, BackwardLambda, SubTrajectoryLambda,
            TrustRegionDelta, ConjugateGradientIterations, LineSearchSteps, EpsilonStart, EpsilonEnd, EpsilonDecay, LogRewardClamp]),
        new("Networks:", Networks),
        new("Output:", [Out, CheckpointEvery, Resume, Export, Plot, Force]),
    ]);

    /// <summary>The <see cref="GFlowNetTrainerOptions"/> property each option sets, for messages of the library that name
    /// a property (<c>PolicyLearningRate</c> → <c>--lr</c>).</summary>
    public static readonly IReadOnlyDictionary<string, ParameterDeclaration> Properties = new Dictionary<string, ParameterDeclaration>(StringComparer.Ordinal)
    {
        [nameof(GFlowNetTrainerOptions.PolicyLearningRate)] = LearningRate,
        [nameof(GFlowNetTrainerOptions.LogZLearningRate)] = LogZLearningRate,
        [nameof(GFlowNetTrainerOptions.CriticLearningRate)] = CriticLearningRate,
        [nameof(GFlowNetTrainerOptions.TrustRegionDelta)] = TrustRegionDelta,
        [nameof(GFlowNetTrainerOptions.PolicyHiddenLayers)] = HiddenLayers,
        [nameof(GFlowNetTrainerOptions.PolicyHiddenWidth)] = HiddenWidth,
        [nameof(GFlowNetTrainerOptions.CriticHiddenLayers)] = CriticLayers,
        [nameof(GFlowNetTrainerOptions.CriticHiddenWidth)] = CriticWidth,
        [nameof(GFlowNetTrainerOptions.BatchSize)] = BatchSize,
        [nameof(GFlowNetTrainerOptions.EvalSamples)] = EvalSamples,
    };
}
