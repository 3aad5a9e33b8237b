using GFlowNetML.Evaluation;
using GFlowNetML.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Networks;

/// <summary>
/// A policy as an MLP over encoded states with masking and log-softmax: the forward policy π_F (over the forward
/// actions) or a learned backward policy π_B (over the backward actions).
/// <para>Sampling runs the network without gradients one step at a time and takes the masked log-softmax on the host
/// (disallowed actions get −∞, so they are never drawn). While <see cref="CacheActivations"/> is on, each step's hidden
/// activations are kept, so that a loss that is linear in the sampled log-probabilities, L = Σ_rows c_row·log π_F(a|s)
/// with detached c (TB and the policy-gradient methods), gets its exact gradient from the backward products alone
/// (<see cref="Gradients(TrajectoryRows, Tensor, ReadOnlySpan{double})"/>): no second forward pass and no autograd graph.</para>
/// <para>Where a graph is needed (<see cref="LogProbabilities(Tensor, Tensor)"/>), disallowed logits are filled with a
/// finite −1e5 before the log-softmax (−∞ would give NaN gradients).</para>
/// </summary>
internal sealed class TorchPolicy(Mlp network, int actionCount) : IPolicy
{
    /// <summary>The fill value of disallowed logits in the training pass.</summary>
    public const float MaskedLogit = -1e5f;

    private readonly List<List<Tensor>> _cachedSteps = [];

    public Mlp Network { get; } = network;

    public int ActionCount { get; } = actionCount;

    /// <summary>Whether sampling keeps each step's hidden activations for <see cref="Gradients(TrajectoryRows, Tensor, ReadOnlySpan{double})"/>.</summary>
    public bool CacheActivations { get; set; }

    /// <summary>log π for a batch of encoded states and masks, as a tensor [rows, actions] (with a graph when grad is on).</summary>
    public Tensor LogProbabilities(Tensor features, Tensor masks)
    {
        using var maskedLogit = MaskedLogit.ToScalar(); // explicit, so that it lives through the native call
        return Network.Forward(features).masked_fill(masks.logical_not(), maskedLogit).log_softmax(1);
    }

    /// <inheritdoc/>
    public void LogProbabilities(ReadOnlySpan<float> features, ReadOnlySpan<bool> masks, int rows, Span<float> logProbabilities)
    {
        using (no_grad())
        using (NewDisposeScope())
        {
            var hidden = CacheActivations ? new List<Tensor>() : null;
            var logits = Network.Forward(TensorData.FromSpan(features, rows, features.Length / rows), hidden);
            TensorData.CopyTo(logits, logProbabilities[..(rows * ActionCount)]);
            if (hidden is not null)
            {
                foreach (var h in hidden) h.MoveToOuterDisposeScope();
                _cachedSteps.Add(hidden);
            }
        }
        MaskedLogSoftmax(logProbabilities, masks, rows, ActionCount);
    }

    /// <summary>
    /// The gradient of L = Σ_rows c_row·log π_F(a_row|s_row) with respect to the network's parameters (flat, in the
    /// layout of <see cref="Mlp.Flat"/>), for the batch that was just sampled with <see cref="CacheActivations"/> on:
    /// dL/dlogits = c·(onehot(a) − π) per row, then the network's backward products over the cached activations.
    /// Forgets the cache.
    /// </summary>
    /// <param name="batch">The batch sampled last.</param>
    /// <param name="features">The batch's encoded states (<see cref="Features"/>).</param>
    /// <param name="coefficients">c_row, one per row (detached: costs, advantages, residuals).</param>
    /// <remarks>The batch may be forward (π_F) or backward (a learned π_B that sampled it).</remarks>
    public Tensor Gradients(TrajectoryRows batch, Tensor features, ReadOnlySpan<double> coefficients)
    {
        if (coefficients.Length != batch.RowCount) throw new ArgumentException($"Expected {batch.RowCount} coefficients, got {coefficients.Length}.", nameof(coefficients));
        return Gradients(features, TakeCachedActivations(batch.StepCount, batch.RowCount), batch.RowActions, batch.RowLogProbabilities, coefficients);
    }

    /// <summary>The hidden activations cached while sampling a batch of <paramref name="steps"/> steps and
    /// <paramref name="rows"/> rows, concatenated in row order (what <see cref="Mlp.Backward"/> and
    /// <see cref="Mlp.JacobianVector"/> take). Forgets the cache.</summary>
    public Tensor[] TakeCachedActivations(int steps, int rows)
    {
        int cachedRows = (int)_cachedSteps.Sum(step => step.Count == 0 ? 0 : step[0].shape[0]);
        if (_cachedSteps.Count != steps || (Network.Sizes.Length > 2 && cachedRows != rows))
            throw new InvalidOperationException("The cached activations do not belong to this batch; sample it with CacheActivations on.");
        int layers = Network.Sizes.Length - 2;
        var hidden = new Tensor[layers];
        for (int l = 0; l < layers; l++) hidden[l] = cat(_cachedSteps.Select(step => step[l]).ToList(), 0);
        _cachedSteps.Clear();
        return hidden;
    }

    /// <summary>
    /// The gradient of L = Σ_rows c_row·log π(a_row|s_row) with respect to the network's parameters, from a forward pass
    /// without a graph (<see cref="Evaluate"/> with its hidden activations): dL/dlogits = c·(onehot(a) − π) per row, then
    /// the network's backward products. Rows with c = 0 contribute nothing (their action is not read).
    /// </summary>
    /// <param name="features">The encoded states the forward pass ran on, [rows, EncodingWidth].</param>
    /// <param name="hidden">The hidden activations of that pass.</param>
    /// <param name="actions">a_row, one per row.</param>
    /// <param name="logProbabilities">log π(·|s_row) of that pass, <c>rows · ActionCount</c> (−∞ where disallowed).</param>
    /// <param name="coefficients">c_row, one per row.</param>
    public Tensor Gradients(Tensor features, IReadOnlyList<Tensor> hidden, ReadOnlySpan<int> actions, ReadOnlySpan<float> logProbabilities, ReadOnlySpan<double> coefficients)
    {
        int rows = coefficients.Length, count = ActionCount;
        var outputGradient = new float[rows * count];
        for (int row = 0; row < rows; row++)
        {
            double c = coefficients[row];
            if (c == 0) continue;
            int taken = actions[row];
            for (int a = 0; a < count; a++)
            {
                float lp = logProbabilities[row * count + a];
                double p = float.IsNegativeInfinity(lp) ? 0 : Math.Exp(lp);
                outputGradient[row * count + a] = (float)(c * ((a == taken ? 1 : 0) - p));
            }
        }
        return Network.Backward(features, hidden, TensorData.FromSpan(outputGradient, rows, count));
    }

    /// <summary>log π(·|s) of a batch of encoded states on the host (masked log-softmax, −∞ where disallowed), without a
    /// graph; when <paramref name="hidden"/> is given it receives the hidden activations for
    /// <see cref="Gradients(Tensor, IReadOnlyList{Tensor}, ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{double})"/>.</summary>
    /// <param name="features">The encoded states, [rows, EncodingWidth].</param>
    /// <param name="masks">The masks, <c>rows · ActionCount</c>.</param>
    /// <param name="hidden">Receives the hidden activations, or null.</param>
    public float[] Evaluate(Tensor features, ReadOnlySpan<bool> masks, List<Tensor>? hidden = null)
    {
        int rows = (int)features.shape[0];
        var result = new float[rows * ActionCount];
        using (no_grad()) TensorData.CopyTo(Network.Forward(features, hidden), result);
        MaskedLogSoftmax(result, masks, rows, ActionCount);
        return result;
    }

    /// <summary>The encoded states of every row of a batch, [RowCount, EncodingWidth] (the input of every network).</summary>
    public static Tensor Features(TrajectoryBatch batch)
        => TensorData.FromSpan(batch.RowFeatures, batch.RowCount, batch.Environment.EncodingWidth);

    /// <summary>Forgets cached activations that will not be used.</summary>
    public void ClearCache() => _cachedSteps.Clear();

    /// <summary>log π_F(a_t|s_t) of every row's action, with the autograd graph: one forward pass over the whole batch.
    /// (For objectives that need a graph through the policy; the tests check <see cref="Gradients(TrajectoryRows, Tensor, ReadOnlySpan{double})"/> against it.)</summary>
    public Tensor ActionLogProbabilities(TrajectoryBatch batch)
    {
        int rows = batch.RowCount;
        var masks = tensor(batch.RowMasks, [rows, ActionCount]);
        var actions = tensor(batch.RowActions.Select(a => (long)a).ToArray(), [rows, 1]);
        return LogProbabilities(Features(batch), masks).gather(1, actions).squeeze(1);
    }

    /// <summary>log π_F(a|s) for every state of an enumerated space, [Count · ActionCount], without gradients: encoded and
    /// passed through the network in chunks (<see cref="StateSpace.ChunkRows"/>), so memory stays bounded on large grids.</summary>
    public float[] AllLogProbabilities(StateSpace space)
    {
        var env = space.Environment;
        int width = env.StateWidth, encoding = env.EncodingWidth;
        var result = new float[space.Count * ActionCount];
        int chunk = StateSpace.ChunkRows(encoding); // 4096 states, fewer for encodings wider than 4096: memory stays bounded
        using var _ = no_grad();
        var features = new float[Math.Min(chunk, space.Count) * encoding];
        for (int start = 0; start < space.Count; start += chunk)
        {
            using var scope = NewDisposeScope();
            int rows = Math.Min(chunk, space.Count - start);
            var f = features.AsSpan(0, rows * encoding);
            env.Encode(space.States.AsSpan(start * width, rows * width), f);
            var x = TensorData.FromSpan(f, rows, encoding);
            var m = tensor(space.ForwardMask.AsSpan(start * ActionCount, rows * ActionCount).ToArray(), [rows, ActionCount]);
            TensorData.CopyTo(LogProbabilities(x, m), result.AsSpan(start * ActionCount, rows * ActionCount));
        }
        return result;
    }

    /// <summary>In place: logits → log-softmax over the allowed actions of each row (<see cref="LogSoftmax.Masked"/>).</summary>
    internal static void MaskedLogSoftmax(Span<float> values, ReadOnlySpan<bool> masks, int rows, int actions)
        => LogSoftmax.Masked(values[..(rows * actions)], masks[..(rows * actions)], actions);
}
