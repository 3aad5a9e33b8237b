using GFlowNetML.Models;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.Graphs;

/// <summary>
/// The forward policy as ONNX nodes: <c>Gemm(transB=1)</c> per layer (W stays [out, in]) with <c>Relu</c> between,
/// then <c>Where(mask, logits, −1e9)</c> and <c>LogSoftmax</c> over the actions.
/// </summary>
internal static class PolicyGraph
{
    /// <summary>The logit of a disallowed action before the log-softmax: finite, so no NaN, and exp() of it is 0.</summary>
    public const float MaskedLogit = -1e9f;

    /// <summary>The initializer names of layer <paramref name="layer"/>'s weight and bias.</summary>
    public static (string Weight, string Bias) WeightNames(int layer) => ($"policy.layer{layer}.weight", $"policy.layer{layer}.bias");

    /// <summary>Adds the weights as named initializers of the root graph.</summary>
    public static void AddWeights(OnnxGraph root, PolicyWeights policy)
    {
        for (int l = 0; l < policy.Layers.Count; l++)
        {
            var layer = policy.Layers[l];
            var (w, b) = WeightNames(l);
            root.NamedConstant(w, layer.Weights.Span, layer.Outputs, layer.Inputs);
            root.NamedConstant(b, layer.Bias.Span, layer.Outputs);
        }
    }

    /// <summary>Emits log π_F(·|s) for features [N, E] and mask bool [N, A]; the weights must have been added.</summary>
    public static string Emit(OnnxGraph g, PolicyWeights policy, string features, string mask, string? output = null)
    {
        string x = features;
        for (int l = 0; l < policy.Layers.Count; l++)
        {
            var (w, b) = WeightNames(l);
            x = g.Node("Gemm", [x, w, b], null, OnnxAttribute.Int("transB", 1));
            if (policy.Layers[l].Activation == LayerActivation.Relu) x = g.Node("Relu", [x]);
        }
        string fill = g.Constant("masked_logit", [MaskedLogit]);
        string masked = g.Node("Where", [mask, x, fill]);
        return g.Node("LogSoftmax", [masked], output, OnnxAttribute.Int("axis", 1));
    }
}
