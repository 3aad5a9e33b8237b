using GFlowNetML.Environments;
using GFlowNetML.Models;
using GFlowNetML.Onnx.Graphs;
using GFlowNetML.Onnx.Proto;
using GFlowNetML.Onnx.Forms;

namespace GFlowNetML.Onnx;

/// <summary>The ONNX input and output names of a <see cref="RowSamplerGraph"/> (the ML.NET column names they map to).</summary>
/// <param name="Seed">The int64 row-seed input.</param>
/// <param name="Sample">The sampled object: text for sequences, a float vector (the state) otherwise.</param>
/// <param name="LogReward">log R of the object, float.</param>
/// <param name="LogProbability">The log-probability of the sampled trajectory under the sampler, float.</param>
public sealed record RowSamplerColumns(string Seed, string Sample, string LogReward, string LogProbability);

/// <summary>
/// The whole sampler of an environment as one ONNX graph with no random operator, the form ML.NET's ONNX transformer runs:
/// the sampler model's whole-trajectory graph (the same <c>Loop</c>, the same in-graph generator started from each row's
/// int64 seed) with the sampled object and its log-reward computed in the graph as extra outputs. A row's object depends
/// only on its seed: a row with seed <see cref="GFlowNetML.Sampling.GFlowNetRandom.Derive"/>(S, i,
/// <see cref="GFlowNetML.Sampling.SeedDomain.SampleRow"/>) draws sample i of <see cref="SamplerSession.Sample"/> with seed S.
/// </summary>
/// <remarks>The built-in environments use their own step graphs with the log-reward computed in the graph; any other
/// environment whose states can be enumerated is run by table lookups (at most 2^23 entries).</remarks>
public sealed class RowSamplerGraph
{
    /// <summary>The opset (20: StringConcat).</summary>
    private const int Opset = 20;

    private readonly OnnxForm _step;

    private RowSamplerGraph(OnnxForm step) => _step = step;

    /// <summary>The row sampler of <paramref name="environment"/>.</summary>
    /// <exception cref="NotSupportedException">The environment has no step graph with an in-graph reward and cannot be
    /// enumerated into tables of at most 2^23 entries (the message says which limit).</exception>
    public static RowSamplerGraph For(GFlowNetEnvironment environment) => new(OnnxForms.ForRowSampler(environment));

    /// <summary>The row sampler on a given form (tests pick the enumerated fallback for a built-in environment).</summary>
    internal static RowSamplerGraph For(OnnxForm form) => new(form);

    /// <summary>The environment.</summary>
    public GFlowNetEnvironment Environment => _step.Environment;

    /// <summary>Whether the sample output is text (sequences) rather than a float vector.</summary>
    public bool SampleIsText => _step.SampleIsText;

    /// <summary>The width of a vector sample (0 for a text sample).</summary>
    public int SampleWidth => _step.SampleWidth;

    /// <summary>The graph of <paramref name="policy"/> as a serialized ONNX model.</summary>
    /// <param name="policy">The trained forward policy.</param>
    /// <param name="columns">The input and output names.</param>
    /// <param name="batched">False for ML.NET's row-by-row form (a [1, 1] seed, a flat vector sample); true for a batch
    /// dimension N (seed [N, 1]).</param>
    /// <param name="metadata">Metadata properties to store in the model; none when null.</param>
    public byte[] Build(PolicyWeights policy, RowSamplerColumns columns, bool batched, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(columns);
        var env = _step.Environment;
        object batch = batched ? "N" : 1L;
        var g = new OnnxGraph("gflownetml_sampler");
        g.Input(columns.Seed, OnnxType.Int64, batch, 1L);
        var loop = TrajectoryGraph.Add(g, _step, policy, columns.Seed, env.MaxTrajectoryLength);
        string sample = _step.Sample(g, loop.States);
        // ML.NET's row-by-row form: a flat [W] vector (Vector<Single, W>) instead of [1, W].
        if (!batched && !_step.SampleIsText) sample = g.Node("Reshape", [sample, g.Constant("flat", [-1L], 1)]);
        g.Node("Identity", [sample], columns.Sample);
        g.Node("Identity", [_step.LogReward(g, loop.States)], columns.LogReward);
        g.Node("Identity", [loop.LogProbability], columns.LogProbability);
        DeclareOutputs(g, columns, batch, _step.SampleIsText ? 0 : _step.SampleWidth);
        return OnnxModelFile.Write(g, [.. metadata ?? [], new("gflownetml.step_graph", _step.Name)],
            $"GFlowNetML sampler for {env.Description}: int64 seed per row → one sampled object, its log-reward and its log-probability.", Opset);
    }

    /// <summary>A model with the row sampler's inputs and outputs only, to state ML.NET's output schema before training.</summary>
    /// <param name="columns">The input and output names.</param>
    /// <param name="sampleWidth">0 for a text sample, else the width of the float vector sample.</param>
    public static byte[] Schema(RowSamplerColumns columns, int sampleWidth)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentOutOfRangeException.ThrowIfNegative(sampleWidth);
        var g = new OnnxGraph("gflownetml_schema");
        g.Input(columns.Seed, OnnxType.Int64, 1L, 1L);
        string zero = g.Node("Cast", [g.Node("Reshape", [columns.Seed, g.Constant("flat", [-1L], 1)])], null, OnnxAttribute.Int("to", (long)OnnxType.Float));
        string sample = sampleWidth == 0 ? g.StringConstant("text", [""], 1) : g.Constant("vector", new float[sampleWidth], sampleWidth);
        g.Node("Identity", [sample], columns.Sample);
        g.Node("Identity", [zero], columns.LogReward);
        g.Node("Identity", [zero], columns.LogProbability);
        DeclareOutputs(g, columns, 1L, sampleWidth);
        return OnnxModelFile.Write(g, [], "GFlowNetML sampler schema.", Opset);
    }

    /// <summary>The outputs: the sample (text [batch], or float [W] in the row form, [batch, W] batched), the log-reward and
    /// the log-probability (float [batch]).</summary>
    private static void DeclareOutputs(OnnxGraph g, RowSamplerColumns columns, object batch, int sampleWidth)
    {
        if (sampleWidth == 0) g.Output(columns.Sample, OnnxType.String, batch);
        else if (batch is long one && one == 1) g.Output(columns.Sample, OnnxType.Float, (long)sampleWidth);
        else g.Output(columns.Sample, OnnxType.Float, batch, (long)sampleWidth);
        g.Output(columns.LogReward, OnnxType.Float, batch);
        g.Output(columns.LogProbability, OnnxType.Float, batch);
    }
}
