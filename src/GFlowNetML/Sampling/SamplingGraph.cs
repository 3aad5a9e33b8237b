using GFlowNetML.Models;

namespace GFlowNetML.Sampling;

/// <summary>The ONNX input and output names of a sampling graph (the ML.NET column names they map to).</summary>
/// <param name="Seed">The int64 row-seed input.</param>
/// <param name="Sample">The sampled object (text, or a float vector).</param>
/// <param name="LogReward">log R of the object, float.</param>
/// <param name="LogProbability">log of the probability of the sampled trajectory under the sampler, float.</param>
internal sealed record SamplingColumns(string Seed, string Sample, string LogReward, string LogProbability);

/// <summary>
/// The whole sampler as one ONNX graph with no random operator: each row's int64 seed, mixed with the fit seed, starts a
/// Lehmer generator (x ← 48271·x mod 2³¹−1) that draws one uniform per step; the action is the inverse-CDF draw from the
/// policy's masked softmax. The trajectory loop is unrolled MaxTrajectoryLength times (finished rows keep their state).
/// A row's sample depends only on its seed and the fit seed, so Transform, a PredictionEngine, a saved and reloaded model
/// and a batched session all draw the same objects.
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
    public static byte[] Build(SamplingStep step, PolicyWeights policy, long fitSeed, object batch, SamplingColumns columns, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        var env = step.Environment;
        int actions = env.ActionCount, steps = env.MaxTrajectoryLength;
        if (steps > MaxSteps) throw new NotSupportedException($"{env.Description} has trajectories of up to {steps} steps; the ML.NET sampler unrolls at most {MaxSteps}.");
        var g = new OnnxBuilder();
        g.Input(columns.Seed, OnnxElement.Int64, batch, 1L);
        string seeds = g.Node("Reshape", [columns.Seed, g.Int64("flat", [-1], 1)]);
        string size = g.Node("Shape", [seeds]);
        string states = step.Initial(g, size);
        string active = g.Node("ConstantOfShape", [size], ("value", OnnxBuilder.TensorValue.Scalar(true)));
        string logProbability = g.Node("ConstantOfShape", [size], ("value", OnnxBuilder.TensorValue.Scalar(0f)));
        string x = Generator(g, seeds, fitSeed);
        string axis1 = g.Int64("axis1", [1], 1);
        string last = g.Int64("last_action", [actions - 1]);
        for (int t = 0; t < steps; t++)
        {
            x = g.Node("Mod", [g.Node("Mul", [x, g.Int64("multiplier", [48271])]), g.Int64("modulus", [Modulus])]);
            string u = g.Node("Div", [g.Node("Cast", [x], ("to", (long)OnnxElement.Float)), g.Float("modulus_f", [Modulus])]);
            string mask = step.Mask(g, states);
            string logp = Policy(g, policy, step.Encode(g, states), mask);
            string cdf = g.Node("CumSum", [g.Node("Exp", [logp]), g.Int64("axis1_scalar", [1])]);
            string total = g.Node("Gather", [cdf, g.Int64("last_scalar", [actions - 1])], ("axis", 1L));
            string threshold = g.Node("Unsqueeze", [g.Node("Mul", [u, total]), axis1]);
            string below = g.Node("Cast", [g.Node("Less", [cdf, threshold])], ("to", (long)OnnxElement.Int64));
            string action = g.Node("Min", [g.Node("ReduceSum", [below, axis1], ("keepdims", 0L)), last]);
            string chosen = g.Node("Squeeze", [g.Node("GatherElements", [logp, g.Node("Unsqueeze", [action, axis1])], ("axis", 1L)), axis1]);
            logProbability = g.Node("Add", [logProbability, g.Node("Where", [active, chosen, g.Float("zero_f", [0f])])]);
            states = step.Step(g, states, action, active);
            active = g.Node("And", [active, g.Node("Not", [g.Node("Equal", [action, last])])]);
        }

        bool rowForm = batch is long one && one == 1;
        string sample = step.Sample(g, states);
        // ML.NET's row-by-row form: a flat [W] vector (Vector<Single, W>) instead of [1, W].
        if (rowForm && step.SampleType != OnnxElement.String) sample = g.Node("Reshape", [sample, g.Int64("flat", [-1], 1)]);
        g.NodeTo("Identity", [sample], columns.Sample);
        g.NodeTo("Identity", [step.LogReward(g, states)], columns.LogReward);
        g.NodeTo("Identity", [logProbability], columns.LogProbability);
        if (step.SampleType == OnnxElement.String) g.Output(columns.Sample, OnnxElement.String, batch);
        else if (rowForm) g.Output(columns.Sample, OnnxElement.Float, (long)step.SampleWidth);
        else g.Output(columns.Sample, OnnxElement.Float, batch, (long)step.SampleWidth);
        g.Output(columns.LogReward, OnnxElement.Float, batch);
        g.Output(columns.LogProbability, OnnxElement.Float, batch);
        return g.ToModel("gflownetml_sampler", Opset, metadata,
            $"GFlowNetML sampler for {env.Description}: int64 seed per row → one sampled object, its log-reward and its log-probability.");
    }

    /// <summary>The generator's first state from the row seeds, in [1, 2³¹ − 2]: two rounds of (h + a)(h + b) mod p
    /// (products stay below 2⁶³) with constants derived from the fit seed.</summary>
    private static string Generator(OnnxBuilder g, string seed, long fitSeed)
    {
        var mix = new GFlowNetML.Sampling.Constants(fitSeed);
        string m = g.Int64("modulus", [Modulus]);
        string h = g.Node("Mod", [seed, m]);
        for (int round = 0; round < 3; round++)
        {
            string a = g.Node("Add", [h, g.Int64("mix", [mix.Next()])]);
            string b = g.Node("Add", [h, g.Int64("mix", [mix.Next()])]);
            h = g.Node("Mod", [g.Node("Mul", [a, b]), m]);
        }
        return g.Node("Add", [g.Node("Mod", [h, g.Int64("modulus_minus_one", [Modulus - 1])]), g.Int64("one", [1])]);
    }

    /// <summary>The MLP (Gemm with transB, ReLU) and the masked log-softmax: log π_F float [N, A].</summary>
    private static string Policy(OnnxBuilder g, PolicyWeights policy, string features, string mask)
    {
        string h = features;
        for (int l = 0; l < policy.Layers.Count; l++)
        {
            var layer = policy.Layers[l];
            int index = l;
            string w = g.Once($"w{index}", () => g.Float($"policy_w{index}", layer.Weights.ToArray(), layer.Outputs, layer.Inputs));
            string b = g.Once($"b{index}", () => g.Float($"policy_b{index}", layer.Bias.ToArray(), layer.Outputs));
            h = g.Node("Gemm", [h, w, b], ("transB", 1L));
            if (layer.Activation == LayerActivation.Relu) h = g.Node("Relu", [h]);
        }
        string masked = g.Node("Where", [mask, h, g.Float("masked_logit", [-1e9f])]);
        return g.Node("LogSoftmax", [masked], ("axis", -1L));
    }
}

/// <summary>A deterministic stream of mixing constants in [0, 2²⁹) from a seed (SplitMix64).</summary>
internal sealed class Constants(long seed)
{
    private ulong _state = unchecked((ulong)seed ^ 0x6A09E667F3BCC909UL);

    /// <summary>The next constant.</summary>
    public long Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (long)((z ^ (z >> 31)) >> 35);
    }
}
