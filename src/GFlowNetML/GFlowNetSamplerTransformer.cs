using GFlowNetML.Environments;
using GFlowNetML.Models;
using GFlowNetML.Onnx;
using GFlowNetML.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace GFlowNetML;

/// <summary>
/// A fitted GFlowNet sampler as an ML.NET transformer: <see cref="Transform"/> appends to every row one sampled object
/// (text for sequences, the state as a Single vector otherwise), its log-reward and the log-probability of its trajectory
/// under the sampler. The sample of a row depends only on the row's seed column and the fit's seed. ML.NET's ONNX
/// transformer types every output as a vector, so a text sample is a <c>Vector&lt;String, 1&gt;</c> and the log-reward and
/// log-probability are <c>Vector&lt;Single, 1&gt;</c> (read them as <c>string[]</c> and <c>float[]</c>).
/// </summary>
/// <remarks>
/// The sampler runs as ML.NET's own ONNX transformer (the seed column converted to Int64, the sampling graph, the temporary
/// column dropped), and this transformer delegates to that chain; <c>mlContext.Model.Save</c> therefore writes the ONNX
/// graph into the model file, and <c>Model.Load</c>, in any process, returns that chain, which samples the same objects.
/// The graph runs the environment's ONNX step graph (the one the sampler model file uses) and computes the log-reward in
/// the graph from constants fixed at fit time: a sequence table (a proxy model's predictions included), BGe local scores,
/// the hyper-grid's closed form, the bit-sequence codebook.
/// </remarks>
public sealed class GFlowNetSamplerTransformer : ITransformer
{
    private readonly ITransformer _chain;
    private readonly RowSamplerGraph _sampler;
    private readonly RowSamplerColumns _columns;
    private readonly int? _gpuDeviceId;
    private readonly bool _fallbackToCpu;
    private readonly Lazy<byte[]> _batched;

    internal GFlowNetSamplerTransformer(ITransformer chain, RowSamplerGraph sampler, PolicyWeights policy, TrainingSummary summary, TrainingResult result,
        double logZ, long seed, RowSamplerColumns columns, int? gpuDeviceId, bool fallbackToCpu)
    {
        _chain = chain;
        _sampler = sampler;
        _columns = columns;
        _gpuDeviceId = gpuDeviceId;
        _fallbackToCpu = fallbackToCpu;
        Policy = policy;
        Result = result;
        LogZ = logZ;
        Seed = seed;
        SamplerModel = SamplerModel.Create(sampler.Environment, policy, summary);
        _batched = new Lazy<byte[]>(() => sampler.Build(policy, seed, columns with { Seed = "seed" }, batched: true));
    }

    /// <summary>The environment the sampler was trained on.</summary>
    public GFlowNetEnvironment Environment => _sampler.Environment;

    /// <summary>Every evaluation during training (exact where the space is enumerable, sampled elsewhere).</summary>
    public IReadOnlyList<EvaluationRecord> History => Result.History;

    /// <summary>The outcome of training: the final evaluation, the history and whether it completed.</summary>
    public TrainingResult Result { get; }

    /// <summary>The learned log Z.</summary>
    public double LogZ { get; }

    /// <summary>The seed of the fit (training and every row's generator).</summary>
    public long Seed { get; }

    /// <summary>The trained forward policy.</summary>
    public PolicyWeights Policy { get; }

    /// <summary>The GFlowNetML sampler model file of this policy (for <c>gflownet sample</c> and <see cref="SamplerSession"/>).</summary>
    public SamplerModel SamplerModel { get; }

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

    /// <summary>The row seed <see cref="Sample"/> gives its i-th object for a call with <paramref name="seed"/>: a row with this
    /// value in the seed column draws the same object.</summary>
    public static long RowSeed(long seed, long index)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index * 0xD1B54A32D192ED03UL + 0x632BE59BD9B4E019UL);
        return (long)(GFlowNetML.Sampling.GFlowNetRandom.Mix(z) >> 2);
    }

    /// <summary>Draws <paramref name="count"/> objects in batches (one ONNX Runtime call per 4096 rows; CUDA when the
    /// <c>MLContext</c>'s <c>GpuDeviceId</c> is set and CUDA opens, otherwise the CPU where <c>FallbackToCpu</c> allows it).</summary>
    /// <param name="count">The number of objects (at least 1).</param>
    /// <param name="seed">The seed; object i is the one a row with seed <see cref="RowSeed"/>(seed, i) gets from <see cref="Transform"/>.</param>
    public IReadOnlyList<GFlowNetDraw> Sample(int count, long seed)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be at least 1.");
        using var session = OpenSession();
        var draws = new List<GFlowNetDraw>(count);
        const int batch = 4096;
        for (int start = 0; start < count; start += batch)
        {
            int rows = Math.Min(batch, count - start);
            var seeds = new long[rows];
            for (int i = 0; i < rows; i++) seeds[i] = RowSeed(seed, start + i);
            using var input = OrtValue.CreateTensorValueFromMemory(seeds, [rows, 1]);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, ["seed"], [input], [_columns.Sample, _columns.LogReward, _columns.LogProbability]);
            var logRewards = outputs[1].GetTensorDataAsSpan<float>().ToArray();
            var logProbabilities = outputs[2].GetTensorDataAsSpan<float>().ToArray();
            if (_sampler.SampleIsText)
            {
                var reward = ((SequenceEnvironment)Environment).Reward;
                for (int i = 0; i < rows; i++)
                {
                    string text = outputs[0].GetStringElement(i);
                    int[] tokens = reward.Parse(text);
                    draws.Add(new GFlowNetDraw(text, tokens, logRewards[i], logProbabilities[i]) { Blocks = reward.FormatNames(tokens) });
                }
            }
            else
            {
                var values = outputs[0].GetTensorDataAsSpan<float>().ToArray();
                int width = _sampler.SampleWidth;
                for (int i = 0; i < rows; i++)
                {
                    var state = new int[width];
                    for (int k = 0; k < width; k++) state[k] = (int)values[i * width + k];
                    draws.Add(new GFlowNetDraw(Environment.Format(state), state, logRewards[i], logProbabilities[i]));
                }
            }
        }
        return draws;
    }

    private InferenceSession OpenSession()
    {
        if (_gpuDeviceId is int device)
        {
            using var cudaOptions = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
            try
            {
                cudaOptions.AppendExecutionProvider_CUDA(device);
                return new InferenceSession(_batched.Value, cudaOptions);
            }
            catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
            {
                if (!_fallbackToCpu)
                    throw new InvalidOperationException($"GpuDeviceId is {device} and FallbackToCpu is false, but CUDA could not be used: {e.Message}", e);
            }
        }
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        return new InferenceSession(_batched.Value, options);
    }
}
