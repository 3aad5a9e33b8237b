namespace GFlowNetML.Models;

/// <summary>The non-linearity applied after a <see cref="DenseLayer"/>.</summary>
public enum LayerActivation
{
    /// <summary>No non-linearity (the output layer: logits).</summary>
    Identity,

    /// <summary>max(0, x) (every hidden layer of GFlowNetML's policies).</summary>
    Relu,
}
