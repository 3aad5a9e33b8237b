using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// One training method: given an on-policy (or ε-noisy) batch with the recorded log π_F(a_t|s_t), it computes its loss and
/// steps its optimizers. It owns its auxiliary networks (critic, log-flow head) and their optimizers; the trainer owns
/// the forward policy, log Z and their optimizer.
/// </summary>
internal abstract class TrainingObjective : IDisposable
{
    protected TrainingObjective(TrainingContext context) => Context = context;

    protected TrainingContext Context { get; }

    /// <summary>Whether the method must sample strictly on-policy (ε = 0).</summary>
    public abstract bool RequiresOnPolicy { get; }

    /// <summary>One update; returns the loss value for reporting.</summary>
    /// <param name="batch">The sampled trajectories.</param>
    /// <param name="logPF">log π_F(a_t|s_t) per row of the batch, with the autograd graph.</param>
    public abstract double Update(TrajectoryBatch batch, Tensor logPF);

    /// <summary>The auxiliary networks the objective owns, in a fixed order (saved by checkpoints).</summary>
    public virtual IReadOnlyList<Mlp> Networks => [];

    /// <summary>The auxiliary optimizers the objective owns, in a fixed order (saved by checkpoints).</summary>
    public virtual IReadOnlyList<Adam> Optimizers => [];

    /// <summary>log R(x) clamped from below as in the losses of the reference code (max(log R, clamp)).</summary>
    protected double ClampedLogReward(double logReward) => Math.Max(logReward, Context.Options.LogRewardClamp);

    public virtual void Dispose()
    {
        foreach (var n in Networks) n.Dispose();
        foreach (var o in Optimizers) o.Dispose();
    }
}

/// <summary>What every objective shares: the options, the forward policy, log Z and their optimizer.</summary>
internal sealed record TrainingContext(GFlowNetTrainerOptions Options, TorchForwardPolicy Policy, Tensor LogZ, Adam PolicyOptimizer, GFlowNetRandom InitRandom);
