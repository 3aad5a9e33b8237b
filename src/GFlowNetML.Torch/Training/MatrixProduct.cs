namespace GFlowNetML.Torch.Training;

/// <summary>
/// One matrix product [M, K] × [K, N] that a profiled training iteration performed (see
/// <see cref="GFlowNetTrainer.StartProfiling"/>): a layer's forward product, weight gradient, input gradient or
/// forward-mode product, with the operand layout the trainer uses.
/// </summary>
/// <param name="M">Rows of the left operand and of the result.</param>
/// <param name="K">The inner dimension.</param>
/// <param name="N">Columns of the right operand and of the result.</param>
/// <param name="TransposeA">Whether the left operand is stored as [K, M] and read transposed.</param>
/// <param name="TransposeB">Whether the right operand is stored as [N, K] and read transposed.</param>
/// <param name="Sampling">Whether the product belongs to the sampling of the training batch (the forward policy's passes
/// without gradients, one per step for every running trajectory) rather than to the update.</param>
public readonly record struct MatrixProduct(long M, long K, long N, bool TransposeA, bool TransposeB, bool Sampling)
{
    /// <summary>The floating-point operations of the product, 2·M·K·N.</summary>
    public double Flops => 2.0 * M * K * N;
}
