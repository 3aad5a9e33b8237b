using GFlowNetML.Evaluation;
using GFlowNetML.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Networks;

/// <summary>
/// The forward policy π_F as an MLP over encoded states with masking and log-softmax. Disallowed logits are filled
/// with a finite −1e5 before the log-softmax (−∞ would give NaN gradients); their probability underflows to exactly 0,
/// so the sampler never draws them. While <see cref="Recording"/> is on, each step's log-probabilities are kept with
/// their autograd graph, so that training reuses the sampling pass instead of evaluating the network again.
/// </summary>
internal sealed class TorchForwardPolicy(Mlp network, int actionCount) : IForwardPolicy
{
    /// <summary>The fill value of disallowed logits.</summary>
    public const float MaskedLogit = -1e5f;

    private readonly List<Tensor> _recorded = [];

    public Mlp Network { get; } = network;

    public int ActionCount { get; } = actionCount;

    /// <summary>Whether the host-side LogProbabilities keeps its outputs (with gradients) for <see cref="TakeRecorded"/>.</summary>
    public bool Recording { get; set; }

    /// <summary>log π_F for a batch of encoded states and masks, as a tensor [rows, actions] (with a graph when grad is on).</summary>
    public Tensor LogProbabilities(Tensor features, Tensor masks)
        => Network.Forward(features).masked_fill(masks.logical_not(), MaskedLogit).log_softmax(1);

    /// <inheritdoc/>
    public void LogProbabilities(ReadOnlySpan<float> features, ReadOnlySpan<bool> masks, int rows, Span<float> logProbabilities)
    {
        using var grad = Recording ? enable_grad() : no_grad();
        var x = tensor(features.ToArray(), [rows, features.Length / rows]);
        var m = tensor(masks.ToArray(), [rows, ActionCount]);
        var lp = LogProbabilities(x, m);
        lp.detach().data<float>().ToArray().AsSpan().CopyTo(logProbabilities);
        if (Recording) _recorded.Add(lp);
    }

    /// <summary>Concatenates the recorded steps and returns log π_F(a_t|s_t) of the given row actions (with the graph),
    /// then forgets the recording.</summary>
    public Tensor TakeRecorded(int[] rowActions)
    {
        if (_recorded.Count == 0) throw new InvalidOperationException("Nothing was recorded.");
        var all = _recorded.Count == 1 ? _recorded[0] : cat(_recorded, 0);
        _recorded.Clear();
        if (all.shape[0] != rowActions.Length) throw new InvalidOperationException($"Recorded {all.shape[0]} rows but the batch has {rowActions.Length}.");
        return all.gather(1, tensor(rowActions.Select(a => (long)a).ToArray(), [rowActions.Length, 1])).squeeze(1);
    }

    /// <summary>Drops a recording that will not be used (e.g. after a failed draw).</summary>
    public void ClearRecording() => _recorded.Clear();

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
            var x = tensor(f.ToArray(), [rows, encoding]);
            var m = tensor(space.ForwardMask.AsSpan(start * ActionCount, rows * ActionCount).ToArray(), [rows, ActionCount]);
            LogProbabilities(x, m).data<float>().ToArray().CopyTo(result, start * ActionCount);
        }
        return result;
    }
}
