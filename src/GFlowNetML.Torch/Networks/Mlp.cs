using GFlowNetML.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Networks;

/// <summary>
/// A multilayer perceptron input → hidden (ReLU) × L → output, held as plain parameter tensors so that checkpoints,
/// export and the optimizer see one explicit, ordered parameter list [W1, b1, W2, b2, …] (W as [out, in], like
/// <c>nn.Linear</c>). Weights are initialised on the host from a <see cref="GFlowNetRandom"/> with PyTorch's default
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
        for (int l = 0; l + 1 < Sizes.Length; l++)
        {
            int fanIn = Sizes[l], fanOut = Sizes[l + 1];
            double bound = 1.0 / Math.Sqrt(fanIn);
            var w = new float[fanOut * fanIn];
            for (int i = 0; i < w.Length; i++) w[i] = (float)((2 * random.NextDouble() - 1) * bound);
            var b = new float[fanOut];
            for (int i = 0; i < b.Length; i++) b[i] = (float)((2 * random.NextDouble() - 1) * bound);
            _parameters.Add(tensor(w, [fanOut, fanIn]).requires_grad_(true));
            _parameters.Add(tensor(b, [fanOut]).requires_grad_(true));
        }
        foreach (var p in _parameters) p.DetachFromDisposeScope();
    }

    /// <summary>The layer widths, input first and output last.</summary>
    public int[] Sizes { get; }

    /// <summary>The parameters in order [W1, b1, W2, b2, …].</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>The number of scalar parameters.</summary>
    public long ParameterCount => _parameters.Sum(p => p.numel());

    /// <summary>When set, every <see cref="Forward"/> call appends its row count (the benchmark counts matrix work with it).</summary>
    public List<long>? Trace { get; set; }

    /// <summary>Evaluates the network on a batch [rows, inputs] → [rows, outputs].</summary>
    public Tensor Forward(Tensor x)
    {
        Trace?.Add(x.shape[0]);
        int layers = _parameters.Count / 2;
        for (int l = 0; l < layers; l++)
        {
            var y = addmm(_parameters[2 * l + 1], x, _parameters[2 * l].t(), 1, 1);
            x = l + 1 < layers ? y.relu_() : y;
        }
        return x;
    }

    /// <summary>Copies the parameters to host arrays (for checkpoints and export).</summary>
    public float[][] ExportWeights() => _parameters.Select(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    /// <summary>Overwrites the parameters from host arrays of the same shapes.</summary>
    public void ImportWeights(float[][] weights)
    {
        if (weights.Length != _parameters.Count) throw new InvalidDataException($"Expected {_parameters.Count} parameter tensors, got {weights.Length}.");
        using var _ = no_grad();
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i].Length != _parameters[i].numel()) throw new InvalidDataException($"Parameter {i} has {_parameters[i].numel()} values, the checkpoint {weights[i].Length}.");
            using var source = tensor(weights[i], _parameters[i].shape);
            _parameters[i].copy_(source);
        }
    }

    public void Dispose()
    {
        foreach (var p in _parameters) p.Dispose();
        _parameters.Clear();
    }
}
