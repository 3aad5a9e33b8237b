namespace GFlowNetML.Torch.Training;

/// <summary>Options of <see cref="GFlowNetTrainer"/>. The defaults are the paper's hyper-grid settings.</summary>
public sealed class GFlowNetTrainerOptions
{
    /// <summary>The training method. Default <see cref="TrainingMethod.PolicyGradientUniform"/> (RL-U).</summary>
    public TrainingMethod Method { get; set; } = TrainingMethod.PolicyGradientUniform;

    /// <summary>The number of training iterations (each samples one batch). Default 2000; at least 1.</summary>
    public int Iterations { get; set; } = GFlowNetDefaults.Iterations;

    /// <summary>The number of trajectories per iteration. Default 128; at least 1.</summary>
    public int BatchSize { get; set; } = GFlowNetDefaults.BatchSize;

    /// <summary>The seed every random choice flows from (initialisation and sampling). Default 0.</summary>
    public long Seed { get; set; }

    /// <summary>Exact evaluation every this many iterations (and at iteration 0 and at the end). Default 10; at least 1.</summary>
    public int EvalEvery { get; set; } = GFlowNetDefaults.EvalEvery;

    /// <summary>The learning rate of the forward policy. Default 1e-3; positive.</summary>
    public double PolicyLearningRate { get; set; } = GFlowNetDefaults.PolicyLearningRate;

    /// <summary>The learning rate of log Z. Default 0.1; positive.</summary>
    public double LogZLearningRate { get; set; } = GFlowNetDefaults.LogZLearningRate;

    /// <summary>The learning rate of the critic V (RL methods). Default 5e-3; positive.</summary>
    public double CriticLearningRate { get; set; } = GFlowNetDefaults.CriticLearningRate;

    /// <summary>λ of the λ-advantages (RL methods). Default 0.99; in [0, 1].</summary>
    public double Lambda { get; set; } = GFlowNetDefaults.Lambda;

    /// <summary>λ of the backward policy's advantages (RL-B, RL-G). Default 1 (the paper's unbiased setting); in [0, 1].</summary>
    public double BackwardLambda { get; set; } = GFlowNetDefaults.BackwardLambda;

    /// <summary>Whether TB, DB, SubTB or RL-T train a parameterised backward policy P_B (the paper's "-B" variants)
    /// instead of the uniform one ("-U"). RL-B and RL-G always learn it; RL-U and FM never do. Default false.</summary>
    public bool LearnBackwardPolicy { get; set; }

    /// <summary>λ of SubTB's geometric-within weighting: a sub-trajectory of k transitions weighs λ^(k−1), normalised
    /// within each trajectory. Default 0.9; in (0, 1].</summary>
    public double SubTrajectoryLambda { get; set; } = GFlowNetDefaults.SubTrajectoryLambda;

    /// <summary>RL-T's trust-region radius δ: the natural-gradient step is scaled to a mean KL of δ and only accepted
    /// while the mean KL stays at most δ. Default 0.01; positive.</summary>
    public double TrustRegionDelta { get; set; } = GFlowNetDefaults.TrustRegionDelta;

    /// <summary>RL-T's conjugate-gradient iterations for H⁻¹g. Default 10; at least 1.</summary>
    public int ConjugateGradientIterations { get; set; } = GFlowNetDefaults.ConjugateGradientIterations;

    /// <summary>RL-T's backtracking line-search trials (fractions 1, ½, ¼, …). Default 20; at least 1.</summary>
    public int LineSearchSteps { get; set; } = GFlowNetDefaults.LineSearchSteps;

    /// <summary>The number of hidden layers of the policy network (and of the backward policy and log-flow networks).
    /// Default 4; at least 0.</summary>
    public int PolicyHiddenLayers { get; set; } = GFlowNetDefaults.PolicyHiddenLayers;

    /// <summary>The width of the policy's hidden layers. Default 256; at least 1.</summary>
    public int PolicyHiddenWidth { get; set; } = GFlowNetDefaults.PolicyHiddenWidth;

    /// <summary>The number of hidden layers of the critic. Default 2; at least 0.</summary>
    public int CriticHiddenLayers { get; set; } = GFlowNetDefaults.CriticHiddenLayers;

    /// <summary>The width of the critic's hidden layers. Default 256; at least 1.</summary>
    public int CriticHiddenWidth { get; set; } = GFlowNetDefaults.CriticHiddenWidth;

    /// <summary>The initial ε of ε-uniform exploration (value-based methods only; RL methods are on-policy). Default 0; in [0, 1].</summary>
    public double EpsilonStart { get; set; }

    /// <summary>The value ε decays towards. Default 0; in [0, EpsilonStart].</summary>
    public double EpsilonEnd { get; set; }

    /// <summary>The geometric decay of ε per iteration: ε ← ε_end + (ε − ε_end)·decay. Default 0.99; in [0, 1].</summary>
    public double EpsilonDecay { get; set; } = GFlowNetDefaults.EpsilonDecay;

    /// <summary>The floor on log R(x) inside the losses (the reference code's −12). Default −12; finite.</summary>
    public double LogRewardClamp { get; set; } = GFlowNetDefaults.LogRewardClamp;

    /// <summary>On environments too large to enumerate, the number of on-policy trajectories drawn at each evaluation for the
    /// sampled metrics (<see cref="Evaluation.SampledMetrics"/>). Default 1000; at least 1. Unused where exact evaluation runs.</summary>
    public int EvalSamples { get; set; } = GFlowNetDefaults.EvalSamples;

    /// <summary>The k of the sampled top-k metrics (mean reward and diversity of the k best distinct samples). Default 100;
    /// at least 1.</summary>
    public int TopK { get; set; } = GFlowNetDefaults.TopK;

    /// <summary>The number of CPU threads libtorch uses for this trainer's work (training and evaluation). The trainer sets
    /// it on the calling thread for the duration of each call and restores the previous setting afterwards, so that trainers
    /// on different threads do not interfere and the process-wide default (the machine's core count, or
    /// <c>OMP_NUM_THREADS</c>) never leaks in. The same seed and the same <see cref="Threads"/> give the same numbers on any
    /// machine; a different thread count may change the last bits of reductions. Default 1; in [1, 256].</summary>
    public int Threads { get; set; } = GFlowNetDefaults.Threads;

    /// <summary>Write a checkpoint every this many iterations (0 = never). Default 0; at least 0.</summary>
    public int CheckpointEvery { get; set; }

    /// <summary>The folder checkpoints are written to; required when <see cref="CheckpointEvery"/> is positive.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>The largest <see cref="BatchSize"/> (2^20 trajectories).</summary>
    public const int MaxBatchSize = 1 << 20;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option and its allowed values.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Method)) Fail(nameof(Method), Method, $"one of {TrainingMethodNames.Allowed}");
        Check(nameof(Iterations), Iterations, GFlowNetTrainerParameters.Iterations);
        Check(nameof(BatchSize), BatchSize, GFlowNetTrainerParameters.BatchSize);
        Check(nameof(EvalEvery), EvalEvery, GFlowNetTrainerParameters.EvalEvery);
        Check(nameof(EvalSamples), EvalSamples, GFlowNetTrainerParameters.EvalSamples);
        Check(nameof(TopK), TopK, GFlowNetTrainerParameters.TopK);
        Check(nameof(Threads), Threads, GFlowNetTrainerParameters.Threads);
        Check(nameof(PolicyLearningRate), PolicyLearningRate, GFlowNetTrainerParameters.PolicyLearningRate);
        Check(nameof(LogZLearningRate), LogZLearningRate, GFlowNetTrainerParameters.LogZLearningRate);
        Check(nameof(CriticLearningRate), CriticLearningRate, GFlowNetTrainerParameters.CriticLearningRate);
        Check(nameof(Lambda), Lambda, GFlowNetTrainerParameters.Lambda);
        Check(nameof(BackwardLambda), BackwardLambda, GFlowNetTrainerParameters.BackwardLambda);
        Check(nameof(SubTrajectoryLambda), SubTrajectoryLambda, GFlowNetTrainerParameters.SubTrajectoryLambda);
        Check(nameof(TrustRegionDelta), TrustRegionDelta, GFlowNetTrainerParameters.TrustRegionDelta);
        Check(nameof(ConjugateGradientIterations), ConjugateGradientIterations, GFlowNetTrainerParameters.ConjugateGradientIterations);
        Check(nameof(LineSearchSteps), LineSearchSteps, GFlowNetTrainerParameters.LineSearchSteps);
        Check(nameof(PolicyHiddenLayers), PolicyHiddenLayers, GFlowNetTrainerParameters.PolicyHiddenLayers);
        Check(nameof(PolicyHiddenWidth), PolicyHiddenWidth, GFlowNetTrainerParameters.PolicyHiddenWidth);
        Check(nameof(CriticHiddenLayers), CriticHiddenLayers, GFlowNetTrainerParameters.CriticHiddenLayers);
        Check(nameof(CriticHiddenWidth), CriticHiddenWidth, GFlowNetTrainerParameters.CriticHiddenWidth);
        Check(nameof(EpsilonStart), EpsilonStart, GFlowNetTrainerParameters.EpsilonStart);
        Check(nameof(EpsilonEnd), EpsilonEnd, GFlowNetTrainerParameters.EpsilonEnd with { Maximum = Math.Clamp(EpsilonStart, 0, 1), NoDefault = "" });
        Check(nameof(EpsilonDecay), EpsilonDecay, GFlowNetTrainerParameters.EpsilonDecay);
        Check(nameof(LogRewardClamp), LogRewardClamp, GFlowNetTrainerParameters.LogRewardClamp);
        Check(nameof(CheckpointEvery), CheckpointEvery, GFlowNetTrainerParameters.CheckpointEvery);
        if (CheckpointEvery > 0 && string.IsNullOrWhiteSpace(CheckpointDirectory))
            throw new ArgumentException($"{nameof(CheckpointDirectory)} is required when {nameof(CheckpointEvery)} is positive.", nameof(CheckpointDirectory));
        if (EpsilonStart > 0 && Method.IsPolicyGradient())
            Fail(nameof(EpsilonStart), EpsilonStart, $"0 for {Method.ToName()} (policy-gradient methods sample strictly on-policy)");
        if (LearnBackwardPolicy && !Method.AllowsLearnedBackward())
            throw new ArgumentOutOfRangeException(nameof(LearnBackwardPolicy), LearnBackwardPolicy,
                $"{nameof(LearnBackwardPolicy)} must be false for {Method.ToName()}; a learned backward policy is available for rl-b, rl-g, rl-t, tb, db and subtb (use rl-b for RL-U with a learned P_B).");
    }

    /// <summary>Whether the method in force trains a parameterised backward policy (<see cref="LearnBackwardPolicy"/>, or
    /// RL-B and RL-G, which always do).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool UsesLearnedBackward => LearnBackwardPolicy || Method.AlwaysLearnsBackward();

    /// <summary>Checks <paramref name="value"/> against the option's declaration, with the declaration's one wording
    /// (<c>BatchSize must be an integer in 1..1048576; got '0'.</c>).</summary>
    private static void Check(string name, double value, Parameters.ParameterDeclaration declaration)
    {
        try { declaration.Check(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), name); }
        catch (Parameters.ParameterException e) { throw new ArgumentOutOfRangeException(name, value, e.Message); }
    }

    private static void Fail(string name, object value, string allowed)
        => throw new ArgumentOutOfRangeException(name, value, $"{name} must be {allowed}; got {value}.");

    /// <summary>A copy of these options.</summary>
    public GFlowNetTrainerOptions Clone() => (GFlowNetTrainerOptions)MemberwiseClone();
}
