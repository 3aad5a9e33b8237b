using GFlowNetML.Sampling;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Networks;

/// <summary>
/// A multilayer perceptron input → hidden (ReLU) × L → output, held as plain leaf tensors [W1, b1, W2, b2, …]
/// (W as [out, in], like <c>nn.Linear</c>), so that checkpoints, export and the optimizer see one explicit, ordered
/// parameter list. (One flat leaf with per-layer views was measured 20% slower: every view's backward writes a
/// full-size gradient.) Weights are initialised on the host from a <see cref="GFlowNetRandom"/> with PyTorch's default
/// bound U(−1/√fan_in, 1/√fan_in), so initialisation depends on the seed alone.
/// </summary>
internal sealed class Mlp : IDisposable
{
    private readonly List<Tensor> _parameters = [];

    public Mlp(int inputs, int hiddenLayers, int hiddenWidth, int outputs, GFlowNetRandom random)
    {
        if (inputs < 1) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "An MLP needs at least one input.");
        if (hiddenLayers < 0) throw new ArgumentOutOfRangeException(nameof(hiddenLayers), hiddenLayers, "The number of hidden layers must be at least 0.");
        if (hiddenLayers > 0 && hiddenWidth < 1) throw new ArgumentOutOfRangeException(nameof(hiddenWidth), hiddenWidth, "The hidden width must be at least 1.");
        Sizes = [inputs, .. Enumerable.Repeat(hiddenWidth, hiddenLayers), outputs];
        long count = 0;
        for (int l = 0; l + 1 < Sizes.Length; l++) count += (long)Sizes[l + 1] * (Sizes[l] + 1);
        var values = new float[count];
        int offset = 0;
        for (int l = 0; l + 1 < Sizes.Length; l++)
        {
            int fanIn = Sizes[l], fanOut = Sizes[l + 1];
            double bound = 1.0 / Math.Sqrt(fanIn);
            for (int i = 0; i < fanOut * (fanIn + 1); i++) values[offset++] = (float)((2 * random.NextDouble() - 1) * bound);
        }
        int at = 0;
        for (int l = 0; l + 1 < Sizes.Length; l++)
        {
            int fanIn = Sizes[l], fanOut = Sizes[l + 1];
            // Each parameter must be a leaf of its own (a view of a leaf gets no .grad and would never be trained).
            _parameters.Add(TensorData.FromSpan(values.AsSpan(at, fanOut * fanIn), fanOut, fanIn).requires_grad_(true).DetachFromDisposeScope());
            at += fanOut * fanIn;
            _parameters.Add(TensorData.FromSpan(values.AsSpan(at, fanOut)).requires_grad_(true).DetachFromDisposeScope());
            at += fanOut;
        }
        ParameterCount = count;
    }

    /// <summary>The layer widths, input first and output last.</summary>
    public int[] Sizes { get; }

    /// <summary>The parameters in order [W1, b1, W2, b2, …].</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>The number of scalar parameters.</summary>
    public long ParameterCount { get; }

    /// <summary>When set, every <see cref="Forward"/> call appends its row count and whether it recorded a graph (a
    /// backward pass follows); the benchmark counts the matrix work with it.</summary>
    public List<(long Rows, bool WithGrad)>? Trace { get; set; }

    /// <summary>Evaluates the network on a batch [rows, inputs] → [rows, outputs].</summary>
    public Tensor Forward(Tensor x)
    {
        Trace?.Add((x.shape[0], is_grad_enabled()));
        int layers = _parameters.Count / 2;
        for (int l = 0; l < layers; l++)
        {
            var y = addmm(_parameters[2 * l + 1], x, _parameters[2 * l].t(), 1, 1);
            x = l + 1 < layers ? y.relu_() : y;
        }
        return x;
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
            _parameters[i].copy_(source.view(_parameters[i].shape));
        }
    }

    public void Dispose()
    {
        foreach (var p in _parameters) p.Dispose();
        _parameters.Clear();
    }
}
