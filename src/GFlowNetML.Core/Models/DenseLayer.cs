namespace GFlowNetML.Models;

/// <summary>
/// One fully connected layer y = act(W·x + b) of a policy network, as plain arrays: W row-major [Outputs, Inputs]
/// (the layout of <c>nn.Linear.weight</c>) and b [Outputs].
/// </summary>
public sealed class DenseLayer
{
    /// <summary>Creates a layer, checking that the arrays fit the sizes.</summary>
    /// <param name="inputs">The input width (at least 1).</param>
    /// <param name="outputs">The output width (at least 1).</param>
    /// <param name="weights">W, row-major [outputs, inputs]; copied.</param>
    /// <param name="bias">b, [outputs]; copied.</param>
    /// <param name="activation">The non-linearity after the affine map.</param>
    public DenseLayer(int inputs, int outputs, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, LayerActivation activation)
    {
        if (inputs < 1) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "inputs must be at least 1.");
        if (outputs < 1) throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "outputs must be at least 1.");
        if (weights.Length != (long)inputs * outputs)
            throw new ArgumentException($"A {outputs}×{inputs} layer needs {(long)inputs * outputs} weights; got {weights.Length}.", nameof(weights));
        if (bias.Length != outputs) throw new ArgumentException($"A layer with {outputs} outputs needs {outputs} biases; got {bias.Length}.", nameof(bias));
        if (!Enum.IsDefined(activation)) throw new ArgumentOutOfRangeException(nameof(activation), activation, "activation must be Identity or Relu.");
        foreach (float w in weights) if (!float.IsFinite(w)) throw new ArgumentException("Every weight must be finite.", nameof(weights));
        foreach (float v in bias) if (!float.IsFinite(v)) throw new ArgumentException("Every bias must be finite.", nameof(bias));
        Inputs = inputs;
        Outputs = outputs;
        Weights = weights.ToArray();
        Bias = bias.ToArray();
        Activation = activation;
    }

    /// <summary>The input width.</summary>
    public int Inputs { get; }

    /// <summary>The output width.</summary>
    public int Outputs { get; }

    /// <summary>W, row-major [Outputs, Inputs].</summary>
    public ReadOnlyMemory<float> Weights { get; }

    /// <summary>b, [Outputs].</summary>
    public ReadOnlyMemory<float> Bias { get; }

    /// <summary>The non-linearity after the affine map.</summary>
    public LayerActivation Activation { get; }
}
