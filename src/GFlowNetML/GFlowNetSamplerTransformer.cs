using GFlowNetML.Environments;
using GFlowNetML.Models;
using GFlowNetML.Onnx;
using GFlowNetML.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GFlowNetML;

/// <summary>
/// A fitted GFlowNet sampler as an ML.NET transformer: <see cref="Transform"/> appends to every row one sampled object
/// (text for sequences, the state as a Single vector otherwise), its log-reward and the log-probability of its trajectory
/// under the sampler. The sample of a row depends only on the row's seed column (and the trained policy). ML.NET's ONNX
/// transformer types every output as a vector, so a text sample is a <c>Vector&lt;String, 1&gt;</c> and the log-reward and
/// log-probability are <c>Vector&lt;Single, 1&gt;</c> (read them as <c>string[]</c> and <c>float[]</c>).
/// </summary>
/// <remarks>
/// The sampler runs as ML.NET's own ONNX transformer (the seed column converted to Int64, the sampling graph, the temporary
/// column dropped), and this transformer delegates to that chain; <c>mlContext.Model.Save</c> therefore writes the ONNX
/// graph into the model file, and <c>Model.Load</c>, in any process, returns that chain, which samples the same objects.
/// The graph is GFlowNetML.Onnx's one whole-trajectory sampler (<see cref="RowSamplerGraph"/>, the graph a
/// <see cref="SamplerSession"/> runs, with the log-reward computed in the graph from constants fixed at fit time: a
/// sequence table (a proxy model's predictions included), BGe local scores, the hyper-grid's closed form, the
/// bit-sequence codebook), so a row with seed Derive(S, i, SampleRow) gets sample i of <see cref="Sample"/>(n, S).
/// </remarks>
public sealed class GFlowNetSamplerTransformer : ITransformer
{
    private readonly ITransformer _chain;
    private readonly int? _gpuDeviceId;
    private readonly bool _fallbackToCpu;

    internal GFlowNetSamplerTransformer(ITransformer chain, GFlowNetEnvironment environment, PolicyWeights policy, TrainingSummary summary, TrainingResult result,
        double logZ, long seed, int? gpuDeviceId, bool fallbackToCpu)
    {
        _chain = chain;
        _gpuDeviceId = gpuDeviceId;
        _fallbackToCpu = fallbackToCpu;
        Environment = environment;
        Policy = policy;
        Result = result;
        LogZ = logZ;
        Seed = seed;
        SamplerModel = SamplerModel.Create(environment, policy, summary);
    }

    /// <summary>The environment the sampler was trained on.</summary>
    public GFlowNetEnvironment Environment { get; }

    /// <summary>Every evaluation during training (exact where the space is enumerable, sampled elsewhere).</summary>
    public IReadOnlyList<EvaluationRecord> History => Result.History;

    /// <summary>The outcome of training: the final evaluation, the history and whether it completed.</summary>
    public TrainingResult Result { get; }

    /// <summary>The learned log Z.</summary>
    public double LogZ { get; }

    /// <summary>The seed of the fit (training).</summary>
    public long Seed { get; }

    /// <summary>The trained forward policy.</summary>
    public PolicyWeights Policy { get; }

    /// <summary>The GFlowNetML sampler model file of this policy (for <c>gflownet sample</c> and <see cref="SamplerSession"/>).</summary>
    public SamplerModel SamplerModel { get; }

    /// <summary>Writes the sampler model file of this policy (<see cref="SamplerModel"/>): the <c>.onnx</c> file that
    /// <c>gflownet sample --model</c> and <see cref="SamplerSession.Load(string, SamplerSessionOptions?, GFlowNetEnvironment?)"/>
    /// read, and that draws, for a seed, the objects <see cref="Sample"/> draws.</summary>
    /// <param name="path">The file to write (replaced if it exists).</param>
    public void SaveSamplerModel(string path) => SamplerModel.Save(path);

    /// <summary>The ML.NET chain this transformer delegates to (what <c>Model.Load</c> returns).</summary>
    internal ITransformer Chain => _chain;

    /// <inheritdoc/>
    public bool IsRowToRowMapper => _chain.IsRowToRowMapper;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _chain.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _chain.GetRowToRowMapper(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _chain.Transform(input);

    /// <inheritdoc/>
    void ICanSaveModel.Save(ModelSaveContext ctx) => _chain.Save(ctx);

    /// <summary>Draws <paramref name="count"/> objects through a <see cref="SamplerSession"/> of <see cref="SamplerModel"/> (on CUDA
    /// when the <c>MLContext</c>'s <c>GpuDeviceId</c> is set and CUDA opens, otherwise the CPU where <c>FallbackToCpu</c>
    /// allows it): the same objects as <c>SamplerSession.Sample(count, seed)</c> on the saved sampler model and as
    /// <c>gflownet sample --seed</c>.</summary>
    /// <param name="count">The number of objects (at least 1).</param>
    /// <param name="seed">The seed; object i is the one a row with seed
    /// <see cref="GFlowNetML.Sampling.GFlowNetRandom.Derive"/>(seed, i, <see cref="GFlowNetML.Sampling.SeedDomain.SampleRow"/>)
    /// gets from <see cref="Transform"/>.</param>
    /// <exception cref="InvalidOperationException"><c>GpuDeviceId</c> is set, <c>FallbackToCpu</c> is false and CUDA does not open.</exception>
    public IReadOnlyList<GFlowNetSample> Sample(int count, long seed)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be at least 1.");
        var options = new SamplerSessionOptions { Device = SamplerDevice.Cpu };
        if (_gpuDeviceId is int device)
        {
            options.Device = _fallbackToCpu ? SamplerDevice.Auto : SamplerDevice.Cuda;
            options.GpuDeviceId = device;
        }
        try
        {
            using var session = SamplerSession.Load(SamplerModel, options, Environment);
            // The whole-trajectory graph is the one Transform runs, so its objects and float log-probabilities are Transform's.
            return session.Sample(count, seed, session.SupportsWholeTrajectory ? SamplingMode.WholeTrajectory : SamplingMode.HostLoop);
        }
        catch (InvalidOperationException e) when (options.Device == SamplerDevice.Cuda && e.Message.StartsWith("CUDA was requested", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"GpuDeviceId is {_gpuDeviceId} and FallbackToCpu is false, but CUDA could not be used: {e.Message}", e);
        }
    }
}
