using GFlowNetML.Environments;
using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// The backward policy P_B as the objectives see it on a forward batch: uniform over parents (the "-U" methods), or a
/// learned MLP over the backward actions (the "-B" methods, RL-B and RL-G). <see cref="Evaluate"/> gives
/// log π_B(s_t|s_{t+1}) for every transition of a forward batch; for a learned P_B, <see cref="Step"/> then takes one Adam
/// step of L = Σ_rows c_row·log π_B(s_row|s_next) from the activations of that evaluation.
/// </summary>
internal sealed class BackwardPolicy : IDisposable
{
    private readonly GFlowNetEnvironment _env;
    private Evaluation? _last;

    private BackwardPolicy(GFlowNetEnvironment env, TorchPolicy? policy, Adam? optimizer)
    {
        _env = env;
        Policy = policy;
        Optimizer = optimizer;
    }

    /// <summary>The uniform P_B, or a learned one (policy-sized network, the policy's learning rate) when the options
    /// ask for it.</summary>
    public static BackwardPolicy Create(GFlowNetEnvironment env, GFlowNetTrainerOptions options, GFlowNetRandom initRandom)
    {
        if (!options.UsesLearnedBackward) return new BackwardPolicy(env, null, null);
        var network = new Mlp(env.EncodingWidth, options.PolicyHiddenLayers, options.PolicyHiddenWidth, env.BackwardActionCount, initRandom);
        return new BackwardPolicy(env, new TorchPolicy(network, env.BackwardActionCount), new Adam([(network.Flat, options.PolicyLearningRate)]));
    }

    /// <summary>The learned backward policy, or null when P_B is uniform.</summary>
    public TorchPolicy? Policy { get; }

    /// <summary>The learned backward policy's optimizer, or null.</summary>
    public Adam? Optimizer { get; }

    /// <summary>The networks to checkpoint (none when uniform).</summary>
    public IReadOnlyList<Mlp> Networks => Policy is null ? [] : [Policy.Network];

    /// <summary>The optimizers to checkpoint (none when uniform).</summary>
    public IReadOnlyList<Adam> Optimizers => Optimizer is null ? [] : [Optimizer];

    /// <summary>log π_B(s_row | s_next) for every row of a forward batch (0 for exit rows).</summary>
    /// <param name="batch">The forward batch.</param>
    /// <param name="features">Its encoded states (<see cref="TorchPolicy.Features"/>).</param>
    /// <param name="forGradient">Keep the activations for one <see cref="Step"/> (learned P_B only).</param>
    public double[] Evaluate(TrajectoryBatch batch, Tensor features, bool forGradient = false)
    {
        _last = null;
        if (Policy is null) return batch.UniformBackwardLogProbabilities();
        int rows = batch.RowCount, width = _env.StateWidth, backward = _env.BackwardActionCount;
        var masks = new bool[rows * backward];
        _env.BackwardMasks(batch.RowStates, masks);
        var hidden = forGradient ? new List<Tensor>() : null;
        float[] all = Policy.Evaluate(features, masks, hidden);

        // The backward action of each transition, read at the child's row.
        var transitions = new List<int>(rows);
        for (int row = 0; row < rows; row++) if (batch.RowNext[row] >= 0) transitions.Add(row);
        var parents = new int[transitions.Count * width];
        var actions = new int[transitions.Count];
        for (int i = 0; i < transitions.Count; i++)
        {
            batch.RowStates.AsSpan(transitions[i] * width, width).CopyTo(parents.AsSpan(i * width));
            actions[i] = batch.RowActions[transitions[i]];
        }
        var backwardActions = new int[transitions.Count];
        if (transitions.Count > 0) _env.ToBackwardActions(parents, actions, backwardActions);
        var result = new double[rows];
        var actionAtChild = new int[rows];
        for (int i = 0; i < transitions.Count; i++)
        {
            int row = transitions[i], child = batch.RowNext[row];
            actionAtChild[child] = backwardActions[i];
            result[row] = all[child * backward + backwardActions[i]];
        }
        if (forGradient) _last = new Evaluation(batch, features, hidden!, all, actionAtChild);
        return result;
    }

    /// <summary>One Adam step of the learned P_B for L = Σ_rows c_row·log π_B(s_row|s_next), with the activations of the
    /// last <see cref="Evaluate"/> (called with forGradient). Does nothing for a uniform P_B.</summary>
    /// <param name="coefficients">c_row, one per row of the evaluated batch (exit rows are ignored).</param>
    public void Step(double[] coefficients)
    {
        if (Policy is null) return;
        var e = _last ?? throw new InvalidOperationException("Evaluate the batch with forGradient before stepping the backward policy.");
        _last = null;
        var atChild = new double[coefficients.Length];
        for (int row = 0; row < coefficients.Length; row++)
        {
            int child = e.Batch.RowNext[row];
            if (child >= 0) atChild[child] = coefficients[row];
        }
        Optimizer!.Step([Policy.Gradients(e.Features, e.Hidden, e.ActionAtChild, e.LogProbabilities, atChild)]);
    }

    public void Dispose()
    {
        Policy?.Network.Dispose();
        Optimizer?.Dispose();
    }

    private sealed record Evaluation(TrajectoryBatch Batch, Tensor Features, List<Tensor> Hidden, float[] LogProbabilities, int[] ActionAtChild);
}
