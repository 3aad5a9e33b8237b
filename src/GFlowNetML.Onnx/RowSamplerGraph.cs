using GFlowNetML.Environments;
using GFlowNetML.Models;
using GFlowNetML.Onnx.RowSampling;

namespace GFlowNetML.Onnx;

/// <summary>The ONNX input and output names of a <see cref="RowSamplerGraph"/> (the ML.NET column names they map to).</summary>
/// <param name="Seed">The int64 row-seed input.</param>
/// <param name="Sample">The sampled object: text for sequences, a float vector (the state) otherwise.</param>
/// <param name="LogReward">log R of the object, float.</param>
/// <param name="LogProbability">The log-probability of the sampled trajectory under the sampler, float.</param>
public sealed record RowSamplerColumns(string Seed, string Sample, string LogReward, string LogProbability);

/// <summary>
/// The whole sampler of an environment as one ONNX graph with no random operator, the form ML.NET's ONNX transformer runs:
/// each row's int64 seed, mixed with the fit seed, drives a generator inside the graph, the policy's masked softmax picks
/// every action, the environment's step and log-reward run as tensor operations, and the outputs are the sampled object,
/// its log-reward and the log-probability of its trajectory. A row's object depends only on its seed and the fit seed.
/// </summary>
/// <remarks>The built-in environments use their own step graphs with the log-reward computed in the graph; any other
/// environment whose states can be enumerated is run by table lookups (at most 2^23 entries).</remarks>
public sealed class RowSamplerGraph
{
    private readonly SamplingStep _step;

    private RowSamplerGraph(SamplingStep step) => _step = step;

    /// <summary>The row sampler of <paramref name="environment"/>.</summary>
    /// <exception cref="NotSupportedException">The environment has no step graph with an in-graph reward and cannot be
    /// enumerated into tables of at most 2^23 entries (the message says which limit).</exception>
    public static RowSamplerGraph For(GFlowNetEnvironment environment) => new(SamplingStep.For(environment));

    /// <summary>The environment.</summary>
    public GFlowNetEnvironment Environment => _step.Environment;

    /// <summary>Whether the sample output is text (sequences) rather than a float vector.</summary>
    public bool SampleIsText => _step.SampleIsText;

    /// <summary>The width of a vector sample (0 for a text sample).</summary>
    public int SampleWidth => _step.SampleWidth;

    /// <summary>The graph of <paramref name="policy"/> as a serialized ONNX model.</summary>
    /// <param name="policy">The trained forward policy.</param>
    /// <param name="fitSeed">The seed of the fit, mixed into every row's generator.</param>
    /// <param name="columns">The input and output names.</param>
    /// <param name="batched">False for ML.NET's row-by-row form (a [1, 1] seed, a flat vector sample); true for a batch
    /// dimension N (seed [N, 1]).</param>
    /// <param name="metadata">Metadata properties to store in the model; none when null.</param>
    /// <exception cref="NotSupportedException">The environment's trajectories are longer than the graph unrolls (512 steps).</exception>
    public byte[] Build(PolicyWeights policy, long fitSeed, RowSamplerColumns columns, bool batched, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(columns);
        return SamplingGraph.Build(_step, policy, fitSeed, batched ? "N" : 1L, columns, metadata ?? []);
    }

    /// <summary>A model with the row sampler's inputs and outputs only, to state ML.NET's output schema before training.</summary>
    /// <param name="columns">The input and output names.</param>
    /// <param name="sampleWidth">0 for a text sample, else the width of the float vector sample.</param>
    public static byte[] Schema(RowSamplerColumns columns, int sampleWidth)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentOutOfRangeException.ThrowIfNegative(sampleWidth);
        return SamplingGraph.Schema(columns, sampleWidth);
    }
}
