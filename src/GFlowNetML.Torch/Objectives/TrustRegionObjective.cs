using GFlowNetML.Sampling;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// RL-T, the trust-region variant of Niu et al. (ICML 2024): RL-U's costs, critic and λ-advantages (and, with a learned
/// backward policy, RL-B's backward update), but the actor takes one natural-gradient step on the surrogate
/// (<see cref="TrustRegion.Step"/>) instead of an Adam step; log Z still takes its Adam step on the TB-residual gradient,
/// first.
/// </summary>
internal sealed class TrustRegionObjective(TrainingContext context) : PolicyGradientObjective(context)
{
    /// <summary>What the last trust-region step did (null before the first update).</summary>
    internal TrustRegionResult? LastStep { get; private set; }

    protected override void StepActor(TrajectoryBatch batch, Tensor features, double[] coefficients, double meanResidual)
    {
        Context.PolicyOptimizer.Step([null, tensor(new[] { (float)meanResidual })]);
        var o = Context.Options;
        var hidden = Context.Policy.TakeCachedActivations(batch.StepCount, batch.RowCount);
        LastStep = TrustRegion.Step(Context.Policy, features, hidden, batch.RowMasks, batch.RowActions, batch.RowLogProbabilities,
            coefficients, batch.Size, o.TrustRegionDelta, o.ConjugateGradientIterations, o.LineSearchSteps);
    }
}
