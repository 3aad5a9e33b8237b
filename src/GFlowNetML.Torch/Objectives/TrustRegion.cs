using GFlowNetML.Torch.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// RL-T's policy step (Niu et al., ICML 2024, Theorem 2; TRPO of Schulman et al. 2015 on the policy-gradient surrogate):
/// <list type="number">
/// <item>surrogate L(θ) = Σ_rows c_row·exp(log π_θ(a|s) − log π_old(a|s)) with c = centred advantages / N, and
/// g = ∇L at θ_old = Σ c·∇log π(a|s);</item>
/// <item>H = the Hessian at θ_old of KL̄(θ) = (1/N)·Σ_rows KL(π_old(·|s) ‖ π_θ(·|s)), applied to vectors, never formed;</item>
/// <item>x ≈ H⁻¹g by conjugate gradient, and the full step Δ = −√(2δ / xᵀg)·x;</item>
/// <item>a backtracking line search over θ_old + 2^−k·Δ, accepting the first trial that lowers the surrogate and keeps the
/// per-state mean KL(π_new ‖ π_old) ≤ δ.</item>
/// </list>
/// Unlike the reference code, θ is restored to θ_old when no trial is accepted.
/// <para>The Hessian-vector products: at θ_old the gradient of the KL with respect to the logits vanishes, so its Hessian
/// is exactly the Fisher matrix (1/N)·Σ_rows J_rᵀ(diag π − ππᵀ)J_r (J = ∂logits/∂θ). Each product is one forward-mode
/// pass (<see cref="Mlp.JacobianVector"/>), a per-row multiply and one backward pass (<see cref="Mlp.Backward"/>) over the
/// activations cached while sampling, the same numbers as double backward through the KL (the tests check this) at a
/// fraction of the cost.</para>
/// </summary>
internal static class TrustRegion
{
    /// <summary>Conjugate gradient stops once the squared residual falls below this (the reference code's 1e-5).</summary>
    public const double ResidualTolerance = 1e-5;

    /// <summary>Takes one trust-region step of the policy's parameters (in place).</summary>
    /// <param name="policy">The policy; its network's flat parameters are updated.</param>
    /// <param name="features">The encoded states of the rows, [rows, EncodingWidth].</param>
    /// <param name="hidden">The hidden activations of the policy at θ_old on those rows.</param>
    /// <param name="masks">The rows' masks, <c>rows · ActionCount</c>.</param>
    /// <param name="actions">The rows' actions.</param>
    /// <param name="oldLogProbabilities">log π_old(·|s) of every row, <c>rows · ActionCount</c> (−∞ where disallowed).</param>
    /// <param name="coefficients">c_row (centred advantages divided by the number of trajectories).</param>
    /// <param name="trajectories">N, the number of trajectories (the KL is summed over rows and divided by N).</param>
    /// <param name="delta">The trust-region radius δ (mean KL).</param>
    /// <param name="conjugateGradientIterations">The CG iteration limit.</param>
    /// <param name="lineSearchSteps">The number of backtracking trials.</param>
    public static TrustRegionResult Step(TorchPolicy policy, Tensor features, IReadOnlyList<Tensor> hidden, bool[] masks, int[] actions,
        float[] oldLogProbabilities, double[] coefficients, int trajectories, double delta, int conjugateGradientIterations, int lineSearchSteps)
    {
        int rows = actions.Length, count = policy.ActionCount;
        var theta = policy.Network.Flat;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var oldProbabilities = TensorData.FromSpan(oldLogProbabilities.Select(lp => float.IsNegativeInfinity(lp) ? 0f : MathF.Exp(lp)).ToArray(), rows, count);
        var g = policy.Gradients(features, hidden, actions, oldLogProbabilities, coefficients);
        var (x, cgIterations) = ConjugateGradient(v => KlHessianVector(policy.Network, features, hidden, oldProbabilities, v, trajectories), g, conjugateGradientIterations);
        double xg = x.dot(g).item<float>();
        var result = new TrustRegionResult { ConjugateGradientIterations = cgIterations, Accepted = -1 };
        if (!(xg > 0) || !double.IsFinite(xg)) return result;
        // Explicit Scalars, alive through each native call: an implicitly converted number (ours, or the one TorchSharp's
        // Tensor + Tensor and Tensor * double make inside) is a finalizable temporary that nothing references there.
        using var one = 1.ToScalar();
        using var stepScale = (-Math.Sqrt(2 * delta / xg)).ToScalar();
        var fullStep = x.mul(stepScale);

        var maskTensor = tensor(masks, [rows, count]);
        var actionTensor = tensor(actions.Select(a => (long)a).ToArray(), [rows, 1]);
        var c = tensor(coefficients.Select(v => (float)v).ToArray(), [rows]);
        var oldAll = policy.LogProbabilities(features, maskTensor);
        var oldTaken = oldAll.gather(1, actionTensor).squeeze(1);
        double surrogateOld = c.sum().item<float>(); // every ratio is 1 at θ_old
        var thetaOld = theta.detach().clone();
        for (int k = 0; k < lineSearchSteps; k++)
        {
            double fraction = Math.Pow(0.5, k);
            using var fractionScalar = fraction.ToScalar();
            theta.copy_(thetaOld.add(fullStep.mul(fractionScalar), one)); // θ_old + fraction·Δ
            var all = policy.LogProbabilities(features, maskTensor);
            double surrogateNew = (all.gather(1, actionTensor).squeeze(1) - oldTaken).exp().mul(c).sum().item<float>();
            // Per-state mean KL(π_new ‖ π_old), the reference code's acceptance test.
            double meanKl = all.exp().mul(all - oldAll).sum(1).mean().item<float>();
            if (surrogateNew - surrogateOld < 0 && meanKl <= delta)
                return result with { SurrogateBefore = surrogateOld, SurrogateAfter = surrogateNew, MeanKl = meanKl, Accepted = k, StepFraction = fraction };
        }
        theta.copy_(thetaOld);
        return result with { SurrogateBefore = surrogateOld, SurrogateAfter = surrogateOld };
    }

    /// <summary>H·v for the mean KL at θ_old: (1/N)·Jᵀ(diag π − ππᵀ)(J·v), per row over the allowed actions.</summary>
    /// <param name="network">The policy network at θ_old.</param>
    /// <param name="features">The rows' encoded states.</param>
    /// <param name="hidden">The network's hidden activations on them.</param>
    /// <param name="probabilities">π_old(·|s) per row, [rows, actions] (0 where disallowed).</param>
    /// <param name="v">The direction, flat.</param>
    /// <param name="trajectories">N.</param>
    internal static Tensor KlHessianVector(Mlp network, Tensor features, IReadOnlyList<Tensor> hidden, Tensor probabilities, Tensor v, int trajectories)
    {
        var u = network.JacobianVector(features, hidden, v);
        var weighted = probabilities * (u - (probabilities * u).sum(1, keepdim: true));
        using var n = trajectories.ToScalar();
        return network.Backward(features, hidden, weighted.div_(n));
    }

    /// <summary>Solves H x = b approximately by conjugate gradient from x = 0.</summary>
    internal static (Tensor X, int Iterations) ConjugateGradient(Func<Tensor, Tensor> hessianVector, Tensor b, int iterations)
    {
        using var one = 1.ToScalar();
        var x = zeros_like(b);
        var r = b.clone();
        var p = b.clone();
        double rr = r.dot(r).item<float>();
        int done = 0;
        for (int i = 0; i < iterations; i++)
        {
            if (rr < ResidualTolerance) break;
            var hp = hessianVector(p);
            double php = p.dot(hp).item<float>();
            if (!(php > 0) || !double.IsFinite(php)) break;
            double alpha = rr / php;
            using (var step = alpha.ToScalar()) x.add_(p, alpha: step);
            using (var negativeStep = (-alpha).ToScalar()) r.add_(hp, alpha: negativeStep);
            double rrNew = r.dot(r).item<float>();
            done = i + 1;
            using var beta = (rrNew / rr).ToScalar();
            p = r.add(p.mul(beta), one); // r + p·β
            rr = rrNew;
        }
        return (x, done);
    }
}

/// <summary>What one trust-region step did.</summary>
internal sealed record TrustRegionResult
{
    /// <summary>The surrogate at θ_old.</summary>
    public double SurrogateBefore { get; init; }

    /// <summary>The surrogate at the new θ (equal to <see cref="SurrogateBefore"/> when no step was accepted).</summary>
    public double SurrogateAfter { get; init; }

    /// <summary>The per-state mean KL(π_new ‖ π_old) of the accepted step (0 when none).</summary>
    public double MeanKl { get; init; }

    /// <summary>The accepted line-search trial k (step fraction 2^−k), or −1 when none was accepted and θ was restored.</summary>
    public int Accepted { get; init; }

    /// <summary>The fraction of the full natural-gradient step taken (0 when none).</summary>
    public double StepFraction { get; init; }

    /// <summary>The conjugate-gradient iterations run.</summary>
    public int ConjugateGradientIterations { get; init; }
}
