using GFlowNetML.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Networks;

/// <summary>
/// A multilayer perceptron input → hidden (ReLU) × L → output. All parameters live in one flat leaf tensor
/// [W1, b1, W2, b2, …] (W as [out, in], like <c>nn.Linear</c>) and the layers are views into it: training computes the
/// gradient itself (<see cref="Backward"/>) as one flat tensor, so an optimizer step is a handful of operations on one
/// tensor per network instead of eight per layer parameter. (Autograd through the views still works, for tests and for
/// objectives that need a graph, but writes a full-size gradient per view.) Weights are initialised on the host from a
/// <see cref="GFlowNetRandom"/> with PyTorch's default bound U(−1/√fan_in, 1/√fan_in), so initialisation depends on the
/// seed alone.
/// </summary>
internal sealed class Mlp : IDisposable
{
    private readonly Tensor _flat;
    private readonly List<Tensor> _parameters = [];
    private readonly List<Tensor> _transposedWeights = [];

    /// <summary>The most parameters one network may have (2^28: 1 GiB of floats, and Adam keeps two more copies).</summary>
    public const long MaxParameters = 1L << 28;

    /// <summary>The parameter count of an MLP of these sizes (weights and biases), computed without allocating; saturates at
    /// <see cref="long.MaxValue"/> instead of overflowing.</summary>
    public static long CountParameters(int inputs, int hiddenLayers, int hiddenWidth, int outputs)
    {
        try
        {
            checked
            {
                if (hiddenLayers <= 0) return (long)outputs * (inputs + 1L);
                return hiddenWidth * (inputs + 1L) + (hiddenLayers - 1L) * hiddenWidth * (hiddenWidth + 1L) + outputs * (hiddenWidth + 1L);
            }
        }
        catch (OverflowException) { return long.MaxValue; }
    }

    public Mlp(int inputs, int hiddenLayers, int hiddenWidth, int outputs, GFlowNetRandom random)
    {
        Native.TorchNative.EnsureLoaded();
        if (inputs < 1) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "An MLP needs at least one input.");
        if (hiddenLayers < 0) throw new ArgumentOutOfRangeException(nameof(hiddenLayers), hiddenLayers, "The number of hidden layers must be at least 0.");
        if (hiddenLayers > 0 && hiddenWidth < 1) throw new ArgumentOutOfRangeException(nameof(hiddenWidth), hiddenWidth, "The hidden width must be at least 1.");
        long count = CountParameters(inputs, hiddenLayers, hiddenWidth, outputs);
        if (count > MaxParameters)
            throw new ArgumentOutOfRangeException(nameof(hiddenWidth), hiddenWidth,
                $"An MLP of {hiddenLayers} hidden layers of width {hiddenWidth} on {inputs} inputs and {outputs} outputs would have {count:N0} parameters; at most {MaxParameters:N0} are supported.");
        Sizes = [inputs, .. Enumerable.Repeat(hiddenWidth, hiddenLayers), outputs];
        var values = new float[count];
        long offset = 0;
        for (int l = 0; l + 1 < Sizes.Length; l++)
        {
            int fanIn = Sizes[l], fanOut = Sizes[l + 1];
            double bound = 1.0 / Math.Sqrt(fanIn);
            for (long i = 0; i < (long)fanOut * (fanIn + 1); i++) values[offset++] = (float)((2 * random.NextDouble() - 1) * bound);
        }
        // A scope for the narrow() temporaries below: nothing else references them during the native view()/t() calls,
        // so without it a collection could finalize one there (a segmentation fault in at::native::view).
        using var scope = NewDisposeScope();
        _flat = TensorData.FromSpan(values).requires_grad_(true).DetachFromDisposeScope();
        long at = 0;
        for (int l = 0; l + 1 < Sizes.Length; l++)
        {
            int fanIn = Sizes[l], fanOut = Sizes[l + 1];
            var w = _flat.narrow(0, at, (long)fanOut * fanIn).view(fanOut, fanIn).DetachFromDisposeScope();
            _parameters.Add(w);
            _transposedWeights.Add(w.t().DetachFromDisposeScope());
            at += (long)fanOut * fanIn;
            _parameters.Add(_flat.narrow(0, at, fanOut).DetachFromDisposeScope());
            at += fanOut;
        }
        ParameterCount = count;
    }

    /// <summary>The flat leaf holding every parameter (what the optimizer updates).</summary>
    public Tensor Flat => _flat;

    /// <summary>The layer widths, input first and output last.</summary>
    public int[] Sizes { get; }

    /// <summary>The parameters in order [W1, b1, W2, b2, …], as views into <see cref="Flat"/>.</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>The number of scalar parameters.</summary>
    public long ParameterCount { get; }

    /// <summary>When set, every <see cref="Forward"/> and <see cref="Backward"/> call appends its row count and the
    /// matrix work it implies; the benchmark replays that work as bare products.</summary>
    public List<(long Rows, MlpWork Work)>? Trace { get; set; }

    /// <summary>Evaluates the network on a batch [rows, inputs] → [rows, outputs].</summary>
    /// <param name="x">The inputs.</param>
    /// <param name="hidden">When given, receives the post-ReLU output of every hidden layer (what <see cref="Backward"/> needs).</param>
    public Tensor Forward(Tensor x, List<Tensor>? hidden = null)
    {
        Trace?.Add((x.shape[0], is_grad_enabled() ? MlpWork.ForwardAndBackward : MlpWork.Forward));
        int layers = _parameters.Count / 2;
        for (int l = 0; l < layers; l++)
        {
            var y = addmm(_parameters[2 * l + 1], x, _transposedWeights[l], 1, 1);
            x = l + 1 < layers ? y.relu_() : y;
            if (l + 1 < layers) hidden?.Add(x);
        }
        return x;
    }

    /// <summary>
    /// The gradients of Σ outputGradient ⊙ output with respect to the parameters, from the inputs and the hidden
    /// activations of a forward pass without a graph: per layer (top down) dW = gᵀ·h_in, db = Σ_rows g and
    /// g ← (g·W) ⊙ 1[h_in &gt; 0]. The same numbers as autograd on a recomputed forward pass, at the cost of the backward
    /// products alone. Returned flat, in the layout of <see cref="Flat"/> ([dW1, db1, dW2, db2, …]).
    /// </summary>
    /// <remarks>Two forms were measured faster than the obvious ones on one thread (934 × 256, libtorch 2.10): the
    /// column sum as a matrix-vector product gᵀ·1 (11 µs against 257 µs for <c>sum(0)</c>) and the ReLU mask as
    /// sign(h_in), exact since h_in ≥ 0 (130 µs against 651 µs for multiplying by the boolean <c>h &gt; 0</c>).</remarks>
    public Tensor Backward(Tensor input, IReadOnlyList<Tensor> hidden, Tensor outputGradient)
    {
        int layers = _parameters.Count / 2;
        if (hidden.Count != layers - 1) throw new ArgumentException($"Expected {layers - 1} hidden activations, got {hidden.Count}.", nameof(hidden));
        Trace?.Add((input.shape[0], MlpWork.Backward));
        using var _ = no_grad();
        var gradients = new Tensor[_parameters.Count];
        var g = outputGradient;
        var ones = torch.ones(input.shape[0]);
        for (int l = layers - 1; l >= 0; l--)
        {
            var h = l == 0 ? input : hidden[l - 1];
            gradients[2 * l] = g.t().mm(h);
            gradients[2 * l + 1] = g.t().mv(ones);
            if (l > 0) g = g.mm(_parameters[2 * l]).mul_(h.sign());
        }
        return cat(gradients.Select(t => t.reshape(-1)).ToList(), 0);
    }

    /// <summary>
    /// The directional derivative of the outputs along a parameter direction v (forward mode, a Jacobian-vector product
    /// J·v), from the inputs and the hidden activations of a forward pass: per layer dy = dh_in·Wᵀ + h_in·dWᵀ + db and
    /// dh = dy ⊙ 1[h &gt; 0], with dh_in = 0 at the input. Costs about one forward and one extra product per layer.
    /// </summary>
    /// <param name="input">The inputs of the forward pass, [rows, inputs].</param>
    /// <param name="hidden">Its hidden activations.</param>
    /// <param name="direction">v, flat in the layout of <see cref="Flat"/>.</param>
    public Tensor JacobianVector(Tensor input, IReadOnlyList<Tensor> hidden, Tensor direction)
    {
        int layers = _parameters.Count / 2;
        if (hidden.Count != layers - 1) throw new ArgumentException($"Expected {layers - 1} hidden activations, got {hidden.Count}.", nameof(hidden));
        Trace?.Add((input.shape[0], MlpWork.JacobianVector));
        using var _ = no_grad();
        Tensor? dh = null;
        long at = 0;
        for (int l = 0; l < layers; l++)
        {
            var h = l == 0 ? input : hidden[l - 1];
            int fanIn = Sizes[l], fanOut = Sizes[l + 1];
            var dW = direction.narrow(0, at, (long)fanOut * fanIn).view(fanOut, fanIn);
            at += (long)fanOut * fanIn;
            var db = direction.narrow(0, at, fanOut);
            at += fanOut;
            var dy = addmm(db, h, dW.t(), 1, 1);
            if (dh is not null) dy.addmm_(dh, _transposedWeights[l]);
            dh = l + 1 < layers ? dy.mul_(hidden[l].sign()) : dy;
        }
        return dh!;
    }

    /// <summary>The parameters per layer [W1 (row-major [out, in]), b1, W2, b2, …] as host arrays (checkpoints, export).</summary>
    public float[][] ExportWeights() => _parameters.Select(TensorData.ToArray).ToArray();

    /// <summary>Overwrites the parameters from arrays saved by <see cref="ExportWeights"/>.</summary>
    public void ImportWeights(float[][] weights)
    {
        if (weights.Length != _parameters.Count) throw new InvalidDataException($"Expected {_parameters.Count} parameter tensors, got {weights.Length}.");
        using var _ = no_grad();
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i].Length != _parameters[i].numel()) throw new InvalidDataException($"Parameter {i} has {_parameters[i].numel()} values, the checkpoint {weights[i].Length}.");
            using var source = TensorData.FromSpan(weights[i]);
            using var view = source.view(_parameters[i].shape); // referenced through the native copy
            _parameters[i].copy_(view);
        }
    }

    public void Dispose()
    {
        foreach (var t in _transposedWeights) t.Dispose();
        foreach (var p in _parameters) p.Dispose();
        _transposedWeights.Clear();
        _parameters.Clear();
        _flat.Dispose();
    }
}

/// <summary>The matrix products one traced MLP call implies.</summary>
internal enum MlpWork
{
    /// <summary>The forward product of every layer.</summary>
    Forward,

    /// <summary>A forward pass with a graph: the forward products, then (by autograd) every layer's weight gradient and
    /// every layer's input gradient but the first.</summary>
    ForwardAndBackward,

    /// <summary><see cref="Mlp.Backward"/>: every layer's weight gradient and every layer's input gradient but the first.</summary>
    Backward,

    /// <summary><see cref="Mlp.JacobianVector"/>: every layer's product with its weight direction and every layer's
    /// product with its weights but the first.</summary>
    JacobianVector,
}
