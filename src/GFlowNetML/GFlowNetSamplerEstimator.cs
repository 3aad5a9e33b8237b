using GFlowNetML.Data;
using GFlowNetML.Onnx;
using GFlowNetML.Torch.Export;
using GFlowNetML.Torch.Training;
using GFlowNetML.Trainers;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace GFlowNetML;

/// <summary>
/// A GFlowNet trainer as an ML.NET estimator: <see cref="Fit(IDataView)"/> reads what the task needs from the data (a
/// reward table, a data matrix, or nothing), trains the sampler with TorchSharp, exports it to ONNX and returns the
/// <see cref="GFlowNetSamplerTransformer"/>. Made by <c>mlContext.GFlowNet().Trainers</c>.
/// </summary>
public sealed class GFlowNetSamplerEstimator : IEstimator<GFlowNetSamplerTransformer>
{
    /// <summary>The name of the temporary Int64 column the seed is converted into (the ONNX graph's input).</summary>
    internal const string RowSeedColumn = "GFlowNet.RowSeed";

    private readonly MLContext _mlContext;
    private readonly GFlowNetSamplerOptions _options;

    internal GFlowNetSamplerEstimator(MLContext mlContext, GFlowNetSamplerOptions options)
    {
        _mlContext = mlContext ?? throw new ArgumentNullException(nameof(mlContext));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _options.ToTrainerOptions(0); // validates every option now, naming the bad one
    }

    /// <summary>The options.</summary>
    public GFlowNetSamplerOptions Options => _options;

    /// <summary>Checks the input columns (the task's and the numeric seed column, with ML.NET's wording) and states the output
    /// columns as ML.NET's ONNX transformer types them: the sample (a one-element text vector for sequences, a Single vector of
    /// the state otherwise), its log-reward and log-probability (one-element Single vectors).</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        _options.Task.CheckSchema(inputSchema, _options.SeedColumnName);
        SchemaChecks.Find(inputSchema, nameof(inputSchema), "seed", _options.SeedColumnName, SchemaChecks.IsNumericScalar, "a numeric scalar");
        int width = _options.Task.SampleWidth(inputSchema, _options.SeedColumnName);
        return Chain(RowSamplerGraph.Schema(Columns(), width)).GetOutputSchema(inputSchema);
    }

    /// <inheritdoc cref="Fit(IDataView, CancellationToken)"/>
    public GFlowNetSamplerTransformer Fit(IDataView input) => Fit(input, CancellationToken.None);

    /// <summary>Trains the sampler on the task read from <paramref name="input"/> and returns the fitted transformer.</summary>
    /// <param name="input">The data: the task's columns (reward table, data matrix) and the seed column.</param>
    /// <param name="cancellationToken">Stops training at the next iteration; then an <see cref="OperationCanceledException"/> is
    /// thrown and no transformer is made.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type (ML.NET's wording).</exception>
    /// <exception cref="GFlowNetML.Torch.Training.TrainingDivergedException">Training diverged (a learning rate far too
    /// large); the message names the iteration and the option to lower, and the exception holds the evaluations so far.</exception>
    /// <exception cref="NotSupportedException">The environment has no ONNX form: a built-in one whose reward table would be too
    /// large (sequences with K^L &gt; 2^23, DAGs with d·2^(d−1) &gt; 2^23, bit sequences with m·2^k·|M| &gt; 2^23), or a custom
    /// one that cannot be enumerated into tables of at most 2^23 entries.</exception>
    public GFlowNetSamplerTransformer Fit(IDataView input, CancellationToken cancellationToken) => Fit(input, null, cancellationToken);

    /// <summary>As <see cref="Fit(IDataView, CancellationToken)"/>, telling <paramref name="watch"/> of every iteration (on the
    /// training thread), as the trainer reports it: the tuning experiment's early stopping reads the evaluations there.</summary>
    internal GFlowNetSamplerTransformer Fit(IDataView input, IProgress<TrainingProgress>? watch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        _options.Task.CheckSchema(input.Schema, _options.SeedColumnName);
        SchemaChecks.Find(input.Schema, nameof(input), "seed", _options.SeedColumnName, SchemaChecks.IsNumericScalar, "a numeric scalar");
        var host = ((IHostEnvironment)_mlContext).Register("GFlowNet");
        long seed = _options.Seed ?? (host.Rand.NextInt64() & 0x7FFFFFFFFFFFL);
        var trainerOptions = _options.ToTrainerOptions(seed);
        using var channel = host.Start("GFlowNet training");

        var env = _options.Task.Create(input, _options.SeedColumnName);
        var sampler = RowSamplerGraph.For(env);
        channel.Info(MessageSensitivity.None, $"Training {trainerOptions.Method.ToName()} on {env.Description}: {trainerOptions.Iterations} iterations of {trainerOptions.BatchSize} trajectories, seed {seed}.");
        using var trainer = new GFlowNetTrainer(env, trainerOptions);
        var progress = new SynchronousProgress<TrainingProgress>(p =>
        {
            if (p.Iteration % trainerOptions.EvalEvery == 0 && p.LatestEvaluation is { } e && e.Iteration == p.Iteration)
                channel.Info(MessageSensitivity.None, e.IsExact
                    ? FormattableString.Invariant($"iteration {p.Iteration}: exact TV {e.ExactTotalVariation:F4}, JSD {e.JensenShannon:F4}, log Z {e.LogZ:F3} (true {e.TrueLogZ:F3}), modes {e.ModesFound}")
                    : FormattableString.Invariant($"iteration {p.Iteration}: loss {p.Loss:G4}, log Z {e.LogZ:F3}, modes {e.ModesFound}, top-k mean reward {e.Sampled!.TopKMeanReward:G4}"));
            watch?.Report(p);
        });
        var result = trainer.Train(progress, cancellationToken);
        if (!result.Completed)
        {
            channel.Info(MessageSensitivity.None, $"Training cancelled after {trainer.Iteration} iterations; no model was made.");
            throw new OperationCanceledException($"GFlowNet training was cancelled after {trainer.Iteration} of {trainerOptions.Iterations} iterations.", cancellationToken);
        }
        var exported = PolicyExport.FromTrainer(trainer, result.Final);
        var columns = Columns();
        byte[] graph = sampler.Build(exported.Policy, columns, batched: false, [new("gflownetml.environment.description", env.Description)]);
        var chain = Chain(graph).Fit(input);
        channel.Info(MessageSensitivity.None, $"Trained in {result.Final.Seconds:F1} s; the sampler graph is {graph.Length / 1024} KiB.");
        return new GFlowNetSamplerTransformer(chain, env, exported.Policy, exported.Training, result, trainer.LogZ, seed,
            _mlContext.GpuDeviceId, _mlContext.FallbackToCpu);
    }

    private RowSamplerColumns Columns() => new(RowSeedColumn, _options.SampleColumnName, _options.LogRewardColumnName, _options.LogProbabilityColumnName);

    /// <summary>The ML.NET chain around a sampling graph: seed → Int64, the ONNX model, drop the temporary column.</summary>
    private IEstimator<ITransformer> Chain(byte[] graph)
        => _mlContext.Transforms.Conversion.ConvertType(RowSeedColumn, _options.SeedColumnName, DataKind.Int64)
            .Append(_mlContext.Transforms.ApplyOnnxModel([_options.SampleColumnName, _options.LogRewardColumnName, _options.LogProbabilityColumnName],
                [RowSeedColumn], new MemoryStream(graph), _mlContext.GpuDeviceId, _mlContext.FallbackToCpu))
            .Append(_mlContext.Transforms.DropColumns(RowSeedColumn));
}
