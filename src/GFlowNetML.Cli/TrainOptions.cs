using GFlowNetML.Parameters;
using GFlowNetML.Torch.Training;
using static GFlowNetML.Parameters.ParameterDeclaration;

namespace GFlowNetML.Cli;

/// <summary>
/// The option table of <c>gflownet train</c>: every option declared once (name, type, default, range, description);
/// parsing (<see cref="TrainSettings.Parse"/>), <c>--help</c> and the usage errors derive from it. The trainer's options
/// are <see cref="GFlowNetTrainerParameters"/>' declarations, against which <see cref="GFlowNetTrainerOptions.Validate"/>
/// checks too, so that each default, range and message stands in one place.
/// </summary>
internal static class TrainOptions
{
    /// <summary>The training method names, in the order messages list them.</summary>
    public static readonly string[] MethodNames = TrainingMethodNames.Allowed.Split(", ");

    public static readonly ParameterDeclaration Method = Choice("method", new GFlowNetTrainerOptions().Method.ToName(), MethodNames,
        "the training method: policy gradient with a uniform, learned or guided backward policy, trust region, TB, DB, SubTB or FM");
    public static readonly ParameterDeclaration Iterations = GFlowNetTrainerParameters.Iterations;
    public static readonly ParameterDeclaration BatchSize = GFlowNetTrainerParameters.BatchSize;
    public static readonly ParameterDeclaration Seed = ParameterDeclaration.Seed("seed", "the seed every random choice flows from");
    public static readonly ParameterDeclaration EvalEvery = GFlowNetTrainerParameters.EvalEvery;
    public static readonly ParameterDeclaration Threads = GFlowNetTrainerParameters.Threads;
    public static readonly ParameterDeclaration EvalSamples = GFlowNetTrainerParameters.EvalSamples;
    public static readonly ParameterDeclaration TopK = GFlowNetTrainerParameters.TopK;
    public static readonly ParameterDeclaration LearningRate = GFlowNetTrainerParameters.PolicyLearningRate;
    public static readonly ParameterDeclaration LogZLearningRate = GFlowNetTrainerParameters.LogZLearningRate;
    public static readonly ParameterDeclaration CriticLearningRate = GFlowNetTrainerParameters.CriticLearningRate;
    public static readonly ParameterDeclaration Lambda = GFlowNetTrainerParameters.Lambda;
    public static readonly ParameterDeclaration BackwardLambda = GFlowNetTrainerParameters.BackwardLambda;
    public static readonly ParameterDeclaration SubTrajectoryLambda = GFlowNetTrainerParameters.SubTrajectoryLambda;
    public static readonly ParameterDeclaration TrustRegionDelta = GFlowNetTrainerParameters.TrustRegionDelta;
    public static readonly ParameterDeclaration ConjugateGradientIterations = GFlowNetTrainerParameters.ConjugateGradientIterations;
    public static readonly ParameterDeclaration LineSearchSteps = GFlowNetTrainerParameters.LineSearchSteps;
    public static readonly ParameterDeclaration EpsilonStart = GFlowNetTrainerParameters.EpsilonStart;
    public static readonly ParameterDeclaration EpsilonEnd = GFlowNetTrainerParameters.EpsilonEnd;
    public static readonly ParameterDeclaration EpsilonDecay = GFlowNetTrainerParameters.EpsilonDecay;
    public static readonly ParameterDeclaration LogRewardClamp = GFlowNetTrainerParameters.LogRewardClamp;
    public static readonly ParameterDeclaration LearnBackward = Flag("learn-backward", "train a parameterised backward policy P_B (the \"-B\" variants of rl-t, tb, db, subtb)");
    public static readonly ParameterDeclaration HiddenLayers = GFlowNetTrainerParameters.PolicyHiddenLayers;
    public static readonly ParameterDeclaration HiddenWidth = GFlowNetTrainerParameters.PolicyHiddenWidth;
    public static readonly ParameterDeclaration CriticLayers = GFlowNetTrainerParameters.CriticHiddenLayers;
    public static readonly ParameterDeclaration CriticWidth = GFlowNetTrainerParameters.CriticHiddenWidth;
    public static readonly ParameterDeclaration Out = Text("out", "DIR", "the folder run.json, metrics.json and the checkpoint are written to", noDefault: "required");
    public static readonly ParameterDeclaration CheckpointEvery = GFlowNetTrainerParameters.CheckpointEvery with { Description = "write a checkpoint every K iterations (0: never); --resume needs one" };
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
