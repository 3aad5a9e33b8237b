using GFlowNetML.Sampling;
using GFlowNetML.Models;
using GFlowNetML.Onnx.Graphs;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.RowSampling;

/// <summary>
/// The whole sampler as one ONNX graph with no random operator, for ML.NET's ONNX transformer: each row's int64 seed,
/// mixed with the fit seed, starts a Lehmer generator (x ← 48271·x mod 2³¹−1) that draws one uniform per step; the action
/// is the inverse-CDF draw from the policy's masked softmax (<see cref="PolicyGraph"/>); the environment's step graph
/// (<see cref="SamplingStep.StepGraph"/>) gives the initial states, features, masks and steps. The trajectory loop is
/// unrolled MaxTrajectoryLength times (finished rows keep their state). Outputs: the sample, its log-reward and the
/// log-probability of its trajectory. A row's sample depends only on its seed and the fit seed, so Transform, a
/// PredictionEngine, a saved and reloaded model and a batched session all draw the same objects.
/// </summary>
internal static class SamplingGraph
{
    /// <summary>The opset (20: StringConcat).</summary>
    public const int Opset = 20;

    /// <summary>The modulus of the Lehmer generator, 2³¹ − 1.</summary>
    public const long Modulus = 2147483647;

    /// <summary>The longest trajectory the unrolled graph supports.</summary>
    public const int MaxSteps = 512;

    /// <summary>Builds the graph.</summary>
    /// <param name="step">The environment's step.</param>
    /// <param name="policy">The trained forward policy.</param>
    /// <param name="fitSeed">The seed of the fit, mixed into every row's generator.</param>
    /// <param name="batch">The batch dimension: 1 (ML.NET's row-by-row form) or a symbolic name (batched sampling).</param>
    /// <param name="columns">The input and output names.</param>
    /// <param name="metadata">Metadata properties to store.</param>
    public static byte[] Build(SamplingStep step, PolicyWeights policy, long fitSeed, object batch, RowSamplerColumns columns, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        var env = step.Environment;
        var graph = step.StepGraph;
        int actions = env.ActionCount, steps = env.MaxTrajectoryLength;
        if (steps > MaxSteps) throw new NotSupportedException($"{env.Description} has trajectories of up to {steps} steps; the ML.NET sampler unrolls at most {MaxSteps}.");
        var g = new OnnxGraph("gflownetml_sampler", shareConstants: true);
        PolicyGraph.AddWeights(g, policy);
        g.Input(columns.Seed, OnnxType.Int64, batch, 1L);
        string seeds = g.Node("Reshape", [columns.Seed, g.Constant("flat", [-1L], 1)]);
        string size = g.Node("Shape", [seeds]);
        string states = graph.InitialStates(g, size);
        string active = g.Node("ConstantOfShape", [size], null, OnnxAttribute.Scalar("value", OnnxType.Bool, [1]));
        string logProbability = g.Node("ConstantOfShape", [size], null, OnnxAttribute.Scalar("value", OnnxType.Float, BitConverter.GetBytes(0f)));
        string x = Generator(g, seeds, fitSeed);
        string axis1 = g.Constant("axis1", [1L], 1);
        string last = g.Constant("last_action", [(long)(actions - 1)]);
        for (int t = 0; t < steps; t++)
        {
            x = g.Node("Mod", [g.Node("Mul", [x, g.Constant("multiplier", [48271L])]), g.Constant("modulus", [Modulus])]);
            string u = g.Node("Div", [g.Node("Cast", [x], null, OnnxAttribute.Int("to", (long)OnnxType.Float)), g.Constant("modulus_f", [(float)Modulus])]);
            string logp = PolicyGraph.Emit(g, policy, graph.Encode(g, states), graph.ForwardMask(g, states));
            string action = InverseCdf(g, logp, u, last);
            string chosen = g.Node("Squeeze", [g.Node("GatherElements", [logp, g.Node("Unsqueeze", [action, axis1])], null, OnnxAttribute.Int("axis", 1)), axis1]);
            logProbability = g.Node("Add", [logProbability, g.Node("Where", [active, chosen, g.Constant("zero_f", [0f])])]);
            states = graph.Step(g, states, action, active);
            active = g.Node("And", [active, g.Node("Not", [g.Node("Equal", [action, last])])]);
        }

        bool rowForm = batch is long one && one == 1;
        string sample = step.Sample(g, states);
        // ML.NET's row-by-row form: a flat [W] vector (Vector<Single, W>) instead of [1, W].
        if (rowForm && !step.SampleIsText) sample = g.Node("Reshape", [sample, g.Constant("flat", [-1L], 1)]);
        g.Node("Identity", [sample], columns.Sample);
        g.Node("Identity", [step.LogReward(g, states)], columns.LogReward);
        g.Node("Identity", [logProbability], columns.LogProbability);
        DeclareOutputs(g, columns, batch, step.SampleIsText ? 0 : step.SampleWidth);
        return OnnxModelFile.Write(g, [.. metadata, new("gflownetml.step_graph", graph.Name)], $"GFlowNetML sampler for {env.Description}: int64 seed per row → one sampled object, its log-reward and its log-probability.", Opset);
    }

    /// <summary>A graph with the sampler's inputs and outputs only (a text sample when <paramref name="sampleWidth"/> is 0,
    /// else a float vector), to state ML.NET's output schema before training.</summary>
    public static byte[] Schema(RowSamplerColumns columns, int sampleWidth)
    {
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

    /// <summary>The action int64 [N] whose cumulative probability first exceeds u·total (u float [N]); the last action when
    /// rounding leaves every partial sum below.</summary>
    private static string InverseCdf(OnnxGraph g, string logp, string u, string last)
    {
        string axis1 = g.Constant("axis1", [1L], 1);
        string cdf = g.Node("CumSum", [g.Node("Exp", [logp]), g.Constant("axis1_scalar", [1L])]);
        string total = g.Node("Gather", [cdf, last], null, OnnxAttribute.Int("axis", 1));
        string threshold = g.Node("Unsqueeze", [g.Node("Mul", [u, total]), axis1]);
        string below = g.Node("Cast", [g.Node("Less", [cdf, threshold])], null, OnnxAttribute.Int("to", (long)OnnxType.Int64));
        return g.Node("Min", [g.Node("ReduceSum", [below, axis1], null, OnnxAttribute.Int("keepdims", 0)), last]);
    }

    /// <summary>The generator's first state from the row seeds, in [1, 2³¹ − 2]: three rounds of (h + a)(h + b) mod p
    /// (products stay below 2⁶³) with constants derived from the fit seed.</summary>
    private static string Generator(OnnxGraph g, string seed, long fitSeed)
    {
        var mix = new Constants(fitSeed);
        string m = g.Constant("modulus", [Modulus]);
        string h = g.Node("Mod", [seed, m]);
        for (int round = 0; round < 3; round++)
        {
            string a = g.Node("Add", [h, g.Constant("mix", [mix.Next()])]);
            string b = g.Node("Add", [h, g.Constant("mix", [mix.Next()])]);
            h = g.Node("Mod", [g.Node("Mul", [a, b]), m]);
        }
        return g.Node("Add", [g.Node("Mod", [h, g.Constant("modulus_minus_one", [Modulus - 1])]), g.Constant("one", [1L])]);
    }
}

/// <summary>A deterministic stream of mixing constants in [0, 2²⁹) from a seed (SplitMix64).</summary>
internal sealed class Constants(long seed)
{
    private ulong _state = unchecked((ulong)seed ^ 0x6A09E667F3BCC909UL);

    /// <summary>The next constant.</summary>
    public long Next()
    {
        return (long)(GFlowNetRandom.Mix(_state += 0x9E3779B97F4A7C15UL) >> 35);
    }
}
