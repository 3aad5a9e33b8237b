using GFlowNetML.Evaluation;
using GFlowNetML.Sampling;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Networks;

/// <summary>
/// The forward policy π_F as an MLP over encoded states with masking and log-softmax. For training, disallowed logits
/// are filled with a finite −1e5 before the log-softmax (−∞ would give NaN gradients). For sampling, the network runs
/// without gradients one step at a time and the masked log-softmax is taken on the host (disallowed actions get −∞,
/// so they are never drawn); training then evaluates all rows of the batch in one pass with gradients, which keeps the
/// backward pass to a few large matrix products instead of one small chain per step.
/// </summary>
internal sealed class TorchForwardPolicy(Mlp network, int actionCount) : IForwardPolicy
{
    /// <summary>The fill value of disallowed logits in the training pass.</summary>
    public const float MaskedLogit = -1e5f;

    public Mlp Network { get; } = network;

    public int ActionCount { get; } = actionCount;

    /// <summary>log π_F for a batch of encoded states and masks, as a tensor [rows, actions] (with a graph when grad is on).</summary>
    public Tensor LogProbabilities(Tensor features, Tensor masks)
        => Network.Forward(features).masked_fill(masks.logical_not(), MaskedLogit).log_softmax(1);

    /// <inheritdoc/>
    public void LogProbabilities(ReadOnlySpan<float> features, ReadOnlySpan<bool> masks, int rows, Span<float> logProbabilities)
    {
        using (no_grad())
        using (NewDisposeScope())
        {
            var logits = Network.Forward(TensorData.FromSpan(features, rows, features.Length / rows));
            TensorData.CopyTo(logits, logProbabilities[..(rows * ActionCount)]);
        }
        MaskedLogSoftmax(logProbabilities, masks, rows, ActionCount);
    }

    /// <summary>log π_F(a_t|s_t) of every row's action, with the autograd graph: one forward pass over the whole batch.</summary>
    public Tensor ActionLogProbabilities(TrajectoryBatch batch)
    {
        int rows = batch.RowCount;
        var features = TensorData.FromSpan(batch.RowFeatures, rows, batch.Environment.EncodingWidth);
        var masks = tensor(batch.RowMasks, [rows, ActionCount]);
        var actions = tensor(batch.RowActions.Select(a => (long)a).ToArray(), [rows, 1]);
        return LogProbabilities(features, masks).gather(1, actions).squeeze(1);
    }

    /// <summary>log π_F(a|s) for every state of an enumerated space, [Count · ActionCount], without gradients.</summary>
    public float[] AllLogProbabilities(StateSpace space)
    {
        var env = space.Environment;
        int width = env.StateWidth, encoding = env.EncodingWidth;
        var result = new float[space.Count * ActionCount];
        const int chunk = 4096;
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

    /// <summary>In place: logits → log-softmax over the allowed actions of each row; disallowed actions get −∞.</summary>
    internal static void MaskedLogSoftmax(Span<float> values, ReadOnlySpan<bool> masks, int rows, int actions)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = values.Slice(r * actions, actions);
            var mask = masks.Slice(r * actions, actions);
            double max = double.NegativeInfinity;
            for (int a = 0; a < actions; a++) if (mask[a] && row[a] > max) max = row[a];
            double sum = 0;
            for (int a = 0; a < actions; a++) if (mask[a]) sum += Math.Exp(row[a] - max);
            double logNorm = max + Math.Log(sum);
            for (int a = 0; a < actions; a++) row[a] = mask[a] ? (float)(row[a] - logNorm) : float.NegativeInfinity;
        }
    }
}
