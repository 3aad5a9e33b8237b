using GFlowNetML.Environments;
using GFlowNetML.Guides;
using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// One training method: given an on-policy (or ε-noisy) batch sampled with the policy's activation cache on, it computes
/// its loss and steps its optimizers. It owns its auxiliary networks (critic, log-flow head) and their optimizers; the trainer owns
/// the forward policy, log Z and their optimizer.
/// </summary>
internal abstract class TrainingObjective : IDisposable
{
    protected TrainingObjective(TrainingContext context) => Context = context;

    protected TrainingContext Context { get; }

    /// <summary>Whether the method must sample strictly on-policy (ε = 0).</summary>
    public abstract bool RequiresOnPolicy { get; }

    /// <summary>One update; returns the loss value for reporting.</summary>
    /// <param name="batch">The sampled trajectories (sampled with <see cref="TorchPolicy.CacheActivations"/> on).</param>
    public abstract double Update(TrajectoryBatch batch);

    /// <summary>The critic's regression loss in the last <see cref="Update"/>; NaN for methods without a critic.</summary>
    public double LastCriticLoss { get; protected set; } = double.NaN;

    /// <summary>The auxiliary networks the objective owns, in a fixed order (saved by checkpoints).</summary>
    public virtual IReadOnlyList<Mlp> Networks => [];

    /// <summary>Whether log Z is a parameter stepped with <see cref="GFlowNetTrainerOptions.LogZLearningRate"/> (TB, SubTB,
    /// the policy-gradient methods) rather than read off a flow network that learns at the policy's rate (DB, FM).</summary>
    public virtual bool StepsLogZ => true;

    /// <summary>Those of <see cref="Networks"/> that are critics (stepped with the critic's learning rate).</summary>
    public virtual IReadOnlyList<Mlp> Critics => [];

    /// <summary>The auxiliary optimizers the objective owns, in a fixed order (saved by checkpoints).</summary>
    public virtual IReadOnlyList<Adam> Optimizers => [];

    /// <summary>One Adam step of the policy and log Z for a loss L = Σ_rows c_row·log π_F(a_row|s_row) + g_Z·log Z with
    /// detached coefficients (what TB and the policy-gradient objectives reduce to).</summary>
    /// <param name="batch">The batch.</param>
    /// <param name="features">The batch's encoded states (<see cref="TorchPolicy.Features"/>), built once per update.</param>
    /// <param name="coefficients">c_row, one per row.</param>
    /// <param name="logZGradient">∂L/∂log Z.</param>
    protected void StepPolicy(TrajectoryBatch batch, Tensor features, double[] coefficients, double logZGradient)
    {
        Context.PolicyOptimizer.Step([Context.Policy.Gradients(batch, features, coefficients), tensor(new[] { (float)logZGradient })]);
    }

    /// <summary>log R(x) clamped from below as in the losses of the reference code (max(log R, clamp)).</summary>
    protected double ClampedLogReward(double logReward) => Math.Max(logReward, Context.Options.LogRewardClamp);

    public virtual void Dispose()
    {
        foreach (var n in Networks) n.Dispose();
        foreach (var o in Optimizers) o.Dispose();
    }
}

/// <summary>What every objective shares: the environment, the options, the forward policy, log Z and their optimizer,
/// the random source of initialisation and the one of sampling (backward trajectories draw from it too), and the guide
/// of RL-G.</summary>
internal sealed record TrainingContext(GFlowNetEnvironment Environment, GFlowNetTrainerOptions Options, TorchPolicy Policy, Tensor LogZ,
    Adam PolicyOptimizer, GFlowNetRandom InitRandom, GFlowNetRandom Random, GFlowNetGuide? Guide);
