using GFlowNetML.Sampling;

namespace GFlowNetML.Models;

/// <summary>
/// A trained forward policy π_F as plain arrays: an MLP of <see cref="DenseLayer"/>s from the encoded state
/// (<c>EncodingWidth</c> features) to one logit per forward action, followed by the masked log-softmax. It is what the
/// training side exports and what an ONNX sampler model stores; it evaluates itself on the host too
/// (<see cref="LogProbabilities"/>), as a reference that needs no native library.
/// </summary>
public sealed class PolicyWeights : IPolicy
{
    private readonly DenseLayer[] _layers;

    /// <summary>Creates a policy from its layers, checking that consecutive widths agree.</summary>
    /// <param name="layers">The layers, input first; the last one has <see cref="LayerActivation.Identity"/> (it gives the logits).</param>
    public PolicyWeights(IReadOnlyList<DenseLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("A policy needs at least one layer.", nameof(layers));
        for (int l = 0; l < layers.Count; l++)
        {
            if (layers[l] is null) throw new ArgumentNullException(nameof(layers), $"Layer {l} is null.");
            if (l > 0 && layers[l].Inputs != layers[l - 1].Outputs)
                throw new ArgumentException($"Layer {l} takes {layers[l].Inputs} inputs but layer {l - 1} gives {layers[l - 1].Outputs} outputs.", nameof(layers));
        }
        if (layers[^1].Activation != LayerActivation.Identity)
            throw new ArgumentException("The last layer gives the logits and must have the Identity activation.", nameof(layers));
        _layers = [.. layers];
    }

    /// <summary>Creates the usual GFlowNetML policy: ReLU after every layer but the last.</summary>
    /// <param name="sizes">The widths, input first and action count last (at least two entries).</param>
    /// <param name="weightsAndBiases">[W1, b1, W2, b2, …] with W row-major [out, in].</param>
    public static PolicyWeights FromArrays(IReadOnlyList<int> sizes, IReadOnlyList<float[]> weightsAndBiases)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(weightsAndBiases);
        if (sizes.Count < 2) throw new ArgumentException("sizes needs the input width and the output width at least.", nameof(sizes));
        if (weightsAndBiases.Count != 2 * (sizes.Count - 1))
            throw new ArgumentException($"{sizes.Count - 1} layers need {2 * (sizes.Count - 1)} arrays (W and b per layer); got {weightsAndBiases.Count}.", nameof(weightsAndBiases));
        var layers = new DenseLayer[sizes.Count - 1];
        for (int l = 0; l < layers.Length; l++)
            layers[l] = new DenseLayer(sizes[l], sizes[l + 1], weightsAndBiases[2 * l], weightsAndBiases[2 * l + 1],
                l + 1 < layers.Length ? LayerActivation.Relu : LayerActivation.Identity);
        return new PolicyWeights(layers);
    }

    /// <summary>The layers, input first.</summary>
    public IReadOnlyList<DenseLayer> Layers => _layers;

    /// <summary>The input width (the environment's <c>EncodingWidth</c>).</summary>
    public int InputWidth => _layers[0].Inputs;

    /// <summary>The number of forward actions (the environment's <c>ActionCount</c>).</summary>
    public int ActionCount => _layers[^1].Outputs;

    /// <summary>The number of scalar parameters.</summary>
    public long ParameterCount => _layers.Sum(l => (long)l.Weights.Length + l.Bias.Length);

    /// <summary>log π_F(a|s) for a batch, on the host: the network in double precision, then the masked log-softmax
    /// (disallowed actions get −∞).</summary>
    /// <remarks>Each layer's sums run over the non-zero inputs only, in increasing index order: a zero input adds only a
    /// signed zero, so the values are those of the full sums (an exact zero may differ in sign, which compares equal),
    /// while a K-hot state encoding (2 of 512 inputs set on a 256×256 grid) and the ReLU layers' zeros are skipped.</remarks>
    /// <param name="features">The encoded states, <c>rows · InputWidth</c>.</param>
    /// <param name="masks">The forward masks, <c>rows · ActionCount</c>.</param>
    /// <param name="rows">The number of states.</param>
    /// <param name="logProbabilities">Receives <c>rows · ActionCount</c> values.</param>
    public void LogProbabilities(ReadOnlySpan<float> features, ReadOnlySpan<bool> masks, int rows, Span<float> logProbabilities)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be at least 0.");
        if (features.Length < (long)rows * InputWidth) throw new ArgumentException($"Expected {rows * InputWidth} features; got {features.Length}.", nameof(features));
        if (masks.Length < (long)rows * ActionCount) throw new ArgumentException($"Expected {rows * ActionCount} masks; got {masks.Length}.", nameof(masks));
        if (logProbabilities.Length < (long)rows * ActionCount) throw new ArgumentException($"Expected room for {rows * ActionCount} values; got {logProbabilities.Length}.", nameof(logProbabilities));
        int widest = _layers.Max(l => Math.Max(l.Inputs, l.Outputs));
        var current = new double[widest];
        var next = new double[widest];
        var nonZero = new int[widest];
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < InputWidth; i++) current[i] = features[r * InputWidth + i];
            foreach (var layer in _layers)
            {
                var w = layer.Weights.Span;
                var b = layer.Bias.Span;
                int count = 0;
                for (int i = 0; i < layer.Inputs; i++) if (current[i] != 0) nonZero[count++] = i;
                for (int o = 0; o < layer.Outputs; o++)
                {
                    double sum = b[o];
                    var row = w.Slice(o * layer.Inputs, layer.Inputs);
                    for (int k = 0; k < count; k++)
                    {
                        int i = nonZero[k];
                        sum += row[i] * current[i];
                    }
                    next[o] = layer.Activation == LayerActivation.Relu && sum < 0 ? 0 : sum;
                }
                (current, next) = (next, current);
            }
            for (int a = 0; a < ActionCount; a++) logProbabilities[r * ActionCount + a] = (float)current[a];
        }
        LogSoftmax.Masked(logProbabilities[..(rows * ActionCount)], masks[..(rows * ActionCount)], ActionCount);
    }
}
