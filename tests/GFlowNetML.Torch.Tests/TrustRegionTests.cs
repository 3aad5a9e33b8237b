using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Objectives;
using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Tests;

/// <summary>
/// RL-T's trust-region step: the Fisher-vector products against double backward through the mean KL, the step's
/// guarantees (mean KL ≤ δ, surrogate not increased) recomputed independently, θ restored bit-exactly when no trial is
/// accepted, and conjugate gradient on a small SPD system.
/// </summary>
[TestClass]
public sealed class TrustRegionTests
{
    /// <summary>A small random policy and a batch sampled from it with the activation cache on.</summary>
    private static (TorchPolicy Policy, TrajectoryBatch Batch, Tensor Features, Tensor[] Hidden) Setup(int height, int size, long seed, int hiddenLayers = 2)
    {
        var env = TestRuns.Grid(height);
        var random = new GFlowNetRandom(seed);
        var policy = new TorchPolicy(new Mlp(env.EncodingWidth, hiddenLayers, 32, env.ActionCount, random), env.ActionCount);
        var batch = TestSampling.SampleForTraining(policy, env, size, seed + 100);
        var hidden = policy.TakeCachedActivations(batch.StepCount, batch.RowCount);
        return (policy, batch, TorchPolicy.Features(batch), hidden);
    }

    /// <summary>π_old as the trust-region step builds it from the sampled log-probabilities (0 where disallowed).</summary>
    private static Tensor OldProbabilities(TrajectoryBatch batch)
        => TensorData.FromSpan(batch.RowLogProbabilities.Select(lp => float.IsNegativeInfinity(lp) ? 0f : MathF.Exp(lp)).ToArray(),
            batch.RowCount, batch.Environment.ActionCount);

    /// <summary>RL-U-style coefficients for the batch: costs with the uniform P_B and log Z = 0, λ-advantages with V = 0,
    /// centred, divided by N.</summary>
    private static double[] Coefficients(TrajectoryBatch batch, double scale = 1)
    {
        var logPB = batch.UniformBackwardLogProbabilities();
        var costs = new double[batch.RowCount];
        for (int row = 0; row < batch.RowCount; row++)
            costs[row] = batch.ActionLogProbability(row) - (batch.RowNext[row] >= 0 ? logPB[row] : Math.Max(batch.LogRewards[batch.RowTrajectory[row]], -12));
        var (advantages, _) = Critic.Advantages(costs, new float[batch.RowCount], batch.RowNext, 0.99);
        return Critic.CentredCoefficients(advantages, batch.Size).Select(c => c * scale).ToArray();
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(2)]
    public void KlHessianVectorIsTheDoubleBackwardHessianOfTheMeanKl(int hiddenLayers)
    {
        var (policy, batch, features, hidden) = Setup(height: 5, size: 20, seed: 3, hiddenLayers);
        int rows = batch.RowCount, actions = batch.Environment.ActionCount, n = batch.Size;
        var network = policy.Network;
        var masks = tensor(batch.RowMasks, [rows, actions]);
        Tensor oldLog, oldP;
        using (no_grad())
        {
            oldLog = policy.LogProbabilities(features, masks);
            oldP = oldLog.exp();
        }
        // KL̄(θ) = (1/N)·Σ_rows Σ_a π_old(a)·(log π_old(a) − log π_θ(a)); its gradient with a graph, at θ_old.
        var kl = (oldP * (oldLog - policy.LogProbabilities(features, masks))).sum() / n;
        var gradient = autograd.grad([kl], [network.Flat], retain_graph: true, create_graph: true)[0];

        var random = new GFlowNetRandom(11);
        var directions = Enumerable.Range(0, 3).Select(_ => RandomVector(random, network.ParameterCount)).ToArray();
        var products = new List<float[]>();
        foreach (var v in directions)
        {
            var expected = TensorData.ToArray(autograd.grad([(gradient * v).sum()], [network.Flat], retain_graph: true)[0]);
            var actual = TensorData.ToArray(TrustRegion.KlHessianVector(network, features, hidden, OldProbabilities(batch), v, n));
            double error = Math.Sqrt(expected.Zip(actual, (a, b) => (double)(a - b) * (a - b)).Sum());
            double norm = Math.Sqrt(expected.Sum(a => (double)a * a));
            Assert.IsGreaterThan(0.0, norm);
            Assert.IsLessThan(1e-4, error / norm, $"relative error {error / norm}");
            products.Add(actual);
        }
        // H is symmetric positive semi-definite: u·Hv = v·Hu and v·Hv ≥ 0.
        double Dot(Tensor a, float[] b) => TensorData.ToArray(a).Zip(b, (x, y) => (double)x * y).Sum();
        double uHv = Dot(directions[0], products[1]), vHu = Dot(directions[1], products[0]);
        Assert.AreEqual(uHv, vHu, 1e-4 * Math.Max(Math.Abs(uHv), 1e-3));
        for (int i = 0; i < directions.Length; i++) Assert.IsGreaterThan(0.0, Dot(directions[i], products[i]));
    }

    [TestMethod]
    [DataRow(0.01)]
    [DataRow(0.002)]
    public void AnAcceptedStepKeepsTheMeanKlWithinDeltaAndLowersTheSurrogate(double delta)
    {
        var env = TestRuns.Grid(6);
        var random = new GFlowNetRandom(5);
        var policy = new TorchPolicy(new Mlp(env.EncodingWidth, 2, 32, env.ActionCount, random), env.ActionCount);
        for (int step = 0; step < 4; step++)
        {
            var batch = TestSampling.SampleForTraining(policy, env, 32, 40 + step);
            int rows = batch.RowCount, actions = env.ActionCount;
            var features = TorchPolicy.Features(batch);
            var hidden = policy.TakeCachedActivations(batch.StepCount, rows);
            var c = Coefficients(batch);
            var before = TestSampling.Snapshot(policy.Network);

            var result = TrustRegion.Step(policy, features, hidden, batch.RowMasks, batch.RowActions, batch.RowLogProbabilities, c, batch.Size,
                delta, conjugateGradientIterations: 10, lineSearchSteps: 20);

            Assert.IsGreaterThanOrEqualTo(0, result.Accepted, $"step {step}: a real batch gets a step");
            Assert.AreEqual(Math.Pow(0.5, result.Accepted), result.StepFraction);
            Assert.IsGreaterThan(0, result.ConjugateGradientIterations);
            Assert.IsFalse(before.SequenceEqual(TestSampling.Snapshot(policy.Network)), "θ moved");

            // Recompute the per-state mean KL(π_new ‖ π_old) and the surrogate Σ c·π_new(a)/π_old(a) on the host.
            float[] newLog = policy.Evaluate(features, batch.RowMasks);
            double meanKl = 0, surrogateBefore = c.Sum(), surrogateAfter = 0;
            for (int row = 0; row < rows; row++)
            {
                for (int a = 0; a < actions; a++)
                {
                    if (!batch.RowMasks[row * actions + a]) continue;
                    double lpNew = newLog[row * actions + a], lpOld = batch.RowLogProbabilities[row * actions + a];
                    meanKl += Math.Exp(lpNew) * (lpNew - lpOld);
                }
                int taken = row * actions + batch.RowActions[row];
                surrogateAfter += c[row] * Math.Exp(newLog[taken] - batch.RowLogProbabilities[taken]);
            }
            meanKl /= rows;
            Assert.IsLessThanOrEqualTo(delta * (1 + 1e-4), meanKl, $"step {step}: mean KL {meanKl} within δ {delta}");
            Assert.IsGreaterThan(0.0, meanKl);
            Assert.IsLessThan(surrogateBefore, surrogateAfter, $"step {step}: the surrogate decreases");
            Assert.AreEqual(meanKl, result.MeanKl, 1e-3 * delta, "the reported mean KL");
            Assert.AreEqual(surrogateAfter, result.SurrogateAfter, 1e-5, "the reported surrogate");
            Assert.AreEqual(surrogateBefore, result.SurrogateBefore, 1e-5);
        }
    }

    [TestMethod]
    public void ZeroCoefficientsTakeNoStepAndLeaveThetaBitExact()
    {
        var (policy, batch, features, hidden) = Setup(height: 5, size: 16, seed: 8);
        var before = TestSampling.Snapshot(policy.Network);
        var result = TrustRegion.Step(policy, features, hidden, batch.RowMasks, batch.RowActions, batch.RowLogProbabilities,
            new double[batch.RowCount], batch.Size, 0.01, 10, 20);
        Assert.AreEqual(-1, result.Accepted);
        Assert.AreEqual(0, result.ConjugateGradientIterations, "g = 0: conjugate gradient stops at once");
        Assert.AreEqual(0.0, result.StepFraction);
        Assert.AreEqual(0.0, result.MeanKl);
        Assert.AreEqual(result.SurrogateBefore, result.SurrogateAfter);
        CollectionAssert.AreEqual(before, TestSampling.Snapshot(policy.Network));
    }

    [TestMethod]
    public void WhenNoTrialIsAcceptedThetaIsRestoredBitExactly()
    {
        // Passing N a million times too large scales the KL Hessian down by 10⁶, so the "full step" is 10³ times the
        // trust-region step; with three trials (fractions 1, ½, ¼) every trial leaves the trust region by far and is
        // rejected, deterministically. θ must come back exactly (the reference code would leave it at the last trial).
        var (policy, batch, features, hidden) = Setup(height: 5, size: 16, seed: 8);
        var before = TestSampling.Snapshot(policy.Network);
        float[] logBefore = policy.Evaluate(features, batch.RowMasks);
        var result = TrustRegion.Step(policy, features, hidden, batch.RowMasks, batch.RowActions, batch.RowLogProbabilities,
            Coefficients(batch), batch.Size * 1_000_000, 0.01, 10, lineSearchSteps: 3);
        Assert.IsGreaterThan(0, result.ConjugateGradientIterations, "a step direction was computed");
        Assert.AreEqual(-1, result.Accepted);
        Assert.AreEqual(0.0, result.StepFraction);
        Assert.AreEqual(0.0, result.MeanKl);
        Assert.AreEqual(result.SurrogateBefore, result.SurrogateAfter);
        CollectionAssert.AreEqual(before, TestSampling.Snapshot(policy.Network), "θ restored bit-exactly");
        CollectionAssert.AreEqual(logBefore, policy.Evaluate(features, batch.RowMasks));
    }

    [TestMethod]
    public void ConjugateGradientSolvesASmallSymmetricPositiveDefiniteSystem()
    {
        var random = new GFlowNetRandom(13);
        const int n = 8;
        var m = TensorData.FromSpan(Enumerable.Range(0, n * n).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray(), n, n);
        var a = m.t().mm(m) + eye(n) * 0.5f;
        var b = RandomVector(random, n);
        int calls = 0;
        Tensor Product(Tensor v) { calls++; return a.mv(v); }

        var (x, iterations) = TrustRegion.ConjugateGradient(Product, b, 50);
        var residual = b - a.mv(x);
        Assert.IsLessThan(TrustRegion.ResidualTolerance, residual.dot(residual).item<float>(), "stops once ‖b − Ax‖² < tolerance");
        Assert.IsLessThanOrEqualTo(2 * n, iterations, "converges in about n iterations");
        Assert.AreEqual(iterations, calls, "one product per iteration");
        var exact = linalg.solve(a.to_type(ScalarType.Float64), b.to_type(ScalarType.Float64));
        Assert.IsLessThan(1e-3, (x.to_type(ScalarType.Float64) - exact).norm().item<double>() / exact.norm().item<double>());

        // One iteration is one steepest-descent step from 0: x = (bᵀb / bᵀAb)·b.
        var (x1, one) = TrustRegion.ConjugateGradient(a.mv, b, 1);
        Assert.AreEqual(1, one);
        var step = b * (b.dot(b) / b.dot(a.mv(b)));
        Assert.IsLessThan(1e-5, (x1 - step).abs().max().item<float>());

        // b = 0: x = 0 without a single product.
        calls = 0;
        var (x0, none) = TrustRegion.ConjugateGradient(Product, zeros(n), 10);
        Assert.AreEqual(0, none);
        Assert.AreEqual(0, calls);
        Assert.AreEqual(0f, x0.abs().max().item<float>());
    }

    [TestMethod]
    public void RlTUpdateTakesAnAcceptedTrustRegionStepAndMovesLogZByAdam()
    {
        var env = TestRuns.Grid(5);
        var options = TestRuns.Small(TrainingMethod.TrustRegion, 1, seed: 2);
        var (context, policy) = ObjectiveTests.Context(options, env);
        using var objective = new TrustRegionObjective(context);
        Assert.IsNull(objective.LastStep);
        var batch = TestSampling.SampleForTraining(policy, env, 32, 7);
        double loss = objective.Update(batch);
        Assert.IsTrue(double.IsFinite(loss));
        var step = objective.LastStep!;
        Assert.IsGreaterThanOrEqualTo(0, step.Accepted);
        Assert.IsLessThanOrEqualTo(options.TrustRegionDelta, step.MeanKl);
        Assert.IsLessThan(step.SurrogateBefore, step.SurrogateAfter);
        // log Z: Adam's first step moves it by −lr·sign(mean δ), δ the TB residual with the uniform P_B.
        var logPB = batch.UniformBackwardLogProbabilities();
        double meanResidual = 1.25 - batch.LogRewards.Average(r => Math.Max(r, -12));
        for (int row = 0; row < batch.RowCount; row++) meanResidual += (batch.ActionLogProbability(row) - logPB[row]) / batch.Size;
        Assert.AreEqual(1.25 - options.LogZLearningRate * Math.Sign(meanResidual), context.LogZ.item<float>(), 1e-5);
        Assert.AreEqual(1, context.PolicyOptimizer.Steps, "one Adam step, of log Z only");
        Assert.IsTrue(context.PolicyOptimizer.ExportState().Moments[0].All(m => m == 0), "the policy gets no Adam step under RL-T");
    }

    private static Tensor RandomVector(GFlowNetRandom random, long length)
        => TensorData.FromSpan(Enumerable.Range(0, (int)length).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray());
}
