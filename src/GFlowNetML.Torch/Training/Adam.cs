using TorchSharp;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Training;

/// <summary>
/// Adam (Kingma &amp; Ba) with per-group learning rates, the update of <c>torch.optim.Adam</c> without weight decay or AMSGrad.
/// Its state (step count, first and second moments) is explicit so that checkpoints save and restore it exactly.
/// </summary>
internal sealed class Adam : IDisposable
{
    private readonly List<(Tensor Parameter, double LearningRate)> _parameters = [];
    private readonly List<Tensor> _m = [], _v = [];
    private readonly double _beta1, _beta2, _eps;

    /// <param name="parameters">The leaf tensors to update, each with its learning rate.</param>
    /// <param name="beta1">The first-moment decay.</param>
    /// <param name="beta2">The second-moment decay.</param>
    /// <param name="eps">The denominator's guard.</param>
    public Adam(IEnumerable<(Tensor Parameter, double LearningRate)> parameters, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        _beta1 = beta1; _beta2 = beta2; _eps = eps;
        foreach (var (p, lr) in parameters)
        {
            if (!p.is_leaf || !p.requires_grad) throw new ArgumentException("Adam updates leaf tensors that require gradients.", nameof(parameters));
            _parameters.Add((p, lr));
            _m.Add(zeros_like(p).DetachFromDisposeScope());
            _v.Add(zeros_like(p).DetachFromDisposeScope());
        }
    }

    /// <summary>The number of steps taken.</summary>
    public long Steps { get; private set; }

    /// <summary>Clears the gradients of all parameters.</summary>
    public void ZeroGrad()
    {
        foreach (var (p, _) in _parameters) p.grad?.zero_();
    }

    /// <summary>One Adam step on the gradients currently held by the parameters (<c>.grad</c>).</summary>
    public void Step() => Step(i => _parameters[i].Parameter.grad);

    /// <summary>One Adam step on explicit gradients, one per parameter in construction order (null skips one).</summary>
    public void Step(IReadOnlyList<Tensor?> gradients)
    {
        if (gradients.Count != _parameters.Count) throw new ArgumentException($"Expected {_parameters.Count} gradients, got {gradients.Count}.", nameof(gradients));
        Step(i => gradients[i]);
    }

    private void Step(Func<int, Tensor?> gradientOf)
    {
        Steps++;
        double bc1 = 1 - Math.Pow(_beta1, Steps), bc2 = 1 - Math.Pow(_beta2, Steps);
        double sqrtBc2 = Math.Sqrt(bc2);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        // Explicit Scalars, alive until the end of the step: an implicitly converted number is a finalizable temporary
        // that nothing references during the native call, so a garbage collection on another thread could free it there.
        using Scalar beta1 = _beta1.ToScalar(), beta2 = _beta2.ToScalar(), oneMinusBeta1 = (1 - _beta1).ToScalar(),
            oneMinusBeta2 = (1 - _beta2).ToScalar(), sqrtBc2Scalar = sqrtBc2.ToScalar(), eps = _eps.ToScalar(), one = 1.ToScalar();
        for (int i = 0; i < _parameters.Count; i++)
        {
            var (p, lr) = _parameters[i];
            var g = gradientOf(i);
            if (g is null) continue;
            _m[i].mul_(beta1).add_(g, alpha: oneMinusBeta1);
            _v[i].mul_(beta2).addcmul_(g, g, value: oneMinusBeta2);
            var denom = _v[i].sqrt().div_(sqrtBc2Scalar).add_(eps, one); // add_(Scalar) would convert its alpha 1 inside TorchSharp
            using var step = (-lr / bc1).ToScalar();
            p.addcdiv_(_m[i], denom, value: step);
        }
    }

    /// <summary>The state as host arrays: the step count and, per parameter, m then v.</summary>
    public (long Steps, float[][] Moments) ExportState()
    {
        var moments = new float[_m.Count * 2][];
        for (int i = 0; i < _m.Count; i++)
        {
            moments[2 * i] = Networks.TensorData.ToArray(_m[i]);
            moments[2 * i + 1] = Networks.TensorData.ToArray(_v[i]);
        }
        return (Steps, moments);
    }

    /// <summary>Restores a state saved by <see cref="ExportState"/>.</summary>
    public void ImportState(long steps, float[][] moments)
    {
        if (moments.Length != _m.Count * 2) throw new InvalidDataException($"Expected {_m.Count * 2} optimizer moment tensors, got {moments.Length}.");
        using var _ = no_grad();
        for (int i = 0; i < _m.Count; i++)
        {
            Load(_m[i], moments[2 * i]);
            Load(_v[i], moments[2 * i + 1]);
        }
        Steps = steps;

        static void Load(Tensor target, float[] values)
        {
            if (values.Length != target.numel()) throw new InvalidDataException($"An optimizer moment has {target.numel()} values, the checkpoint {values.Length}.");
            using var source = tensor(values, target.shape);
            target.copy_(source);
        }
    }

    public void Dispose()
    {
        foreach (var t in _m) t.Dispose();
        foreach (var t in _v) t.Dispose();
    }
}
