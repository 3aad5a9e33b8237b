using GFlowNetML.Evaluation;
using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Objectives;
using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Tests;

[TestClass]
public sealed class ObjectiveTests
{
    internal static (TrainingContext Context, TorchPolicy Policy) Context(GFlowNetTrainerOptions options, GFlowNetML.Environments.GFlowNetEnvironment env)
    {
        var random = new GFlowNetRandom(options.Seed);
        var net = new Mlp(env.EncodingWidth, options.PolicyHiddenLayers, options.PolicyHiddenWidth, env.ActionCount, random);
        var policy = new TorchPolicy(net, env.ActionCount);
        var logZ = tensor(new float[] { 1.25f }).requires_grad_(true);
        var adam = new Adam([(net.Flat, options.PolicyLearningRate), (logZ, options.LogZLearningRate)]);
        return (new TrainingContext(env, options, policy, logZ, adam, random, new GFlowNetRandom(options.Seed + 1), env.DefaultGuide), policy);
    }

    /// <summary>Samples a batch the way the trainer does: with the policy's activation cache on.</summary>
    private static TrajectoryBatch SampleForTraining(TorchPolicy policy, GFlowNetML.Environments.GFlowNetEnvironment env, int size, long seed, double epsilon = 0)
    {
        policy.CacheActivations = true;
        try { return new TrajectorySampler(env).Sample(policy, size, new GFlowNetRandom(seed), epsilon); }
        finally { policy.CacheActivations = false; }
    }

    [TestMethod]
    public void PerStepCostsOfATrajectorySumToItsTrajectoryBalanceResidual()
    {
        var env = TestRuns.Grid(6);
        var options = TestRuns.Small(TrainingMethod.PolicyGradientUniform, 1);
        var (context, policy) = Context(options, env);
        using var objective = new PolicyGradientObjective(context);
        var batch = new TrajectorySampler(env).Sample(policy, 64, new GFlowNetRandom(3));
        float[] logPF = TensorData.ToArray(policy.ActionLogProbabilities(batch));
        for (int row = 0; row < batch.RowCount; row++)
            Assert.AreEqual(logPF[row], batch.ActionLogProbability(row), 1e-5, "the sampler records the policy's log-probabilities");
        double[] logPB = batch.UniformBackwardLogProbabilities();
        double[] costs = objective.PolicyDependentCosts(batch, logPF, logPB, logZ: 1.25);

        var sums = new double[batch.Size];
        var residuals = new double[batch.Size];
        for (int n = 0; n < batch.Size; n++) residuals[n] = 1.25 - Math.Max(batch.LogRewards[n], -12);
        for (int row = 0; row < batch.RowCount; row++)
        {
            int n = batch.RowTrajectory[row];
            sums[n] += costs[row];
            residuals[n] += logPF[row] - logPB[row];
        }
        for (int n = 0; n < batch.Size; n++) Assert.AreEqual(residuals[n], sums[n], 1e-9, $"trajectory {n}");
        // Exit rows carry −(log R − log Z): a trajectory that exits at once has cost log π(exit|s0) − log R(s0) + log Z.
        int exitAtOnce = Enumerable.Range(0, batch.Size).FirstOrDefault(n => batch.Lengths[n] == 1, -1);
        if (exitAtOnce >= 0)
            Assert.AreEqual(logPF[exitAtOnce] - batch.LogRewards[exitAtOnce] + 1.25, costs[exitAtOnce], 1e-9);
    }

    [TestMethod]
    public void LogRewardIsClampedAtTheConfiguredFloorInsideTheLosses()
    {
        var env = TestRuns.Grid(4);
        var options = TestRuns.Small(TrainingMethod.PolicyGradientUniform, 1);
        options.LogRewardClamp = -1.0; // log 0.01 = −4.6 on non-outer cells is raised to −1
        var (context, policy) = Context(options, env);
        using var objective = new PolicyGradientObjective(context);
        var batch = new TrajectorySampler(env).Sample(policy, 32, new GFlowNetRandom(5));
        float[] logPF = TensorData.ToArray(policy.ActionLogProbabilities(batch));
        double[] costs = objective.PolicyDependentCosts(batch, logPF, batch.UniformBackwardLogProbabilities(), 0);
        for (int row = 0; row < batch.RowCount; row++)
        {
            if (batch.RowNext[row] >= 0) continue;
            double logR = batch.LogRewards[batch.RowTrajectory[row]];
            Assert.AreEqual(logPF[row] - Math.Max(logR, -1.0), costs[row], 1e-9);
        }
    }

    [TestMethod]
    [DataRow(TrainingMethod.PolicyGradientUniform)]
    [DataRow(TrainingMethod.TrajectoryBalance)]
    public void OneUpdateGivesFiniteParametersDespiteMaskedActionsAndUpdatesEveryLayer(TrainingMethod method)
    {
        // H = 2: most states have masked moves, so masking is exercised on many rows.
        var env = TestRuns.Grid(2, ndim: 3);
        var options = TestRuns.Small(method, 1);
        var (context, policy) = Context(options, env);
        using TrainingObjective objective = method == TrainingMethod.PolicyGradientUniform
            ? new PolicyGradientObjective(context)
            : new TrajectoryBalanceObjective(context);
        var batch = SampleForTraining(policy, env, 64, 1);
        Assert.IsTrue(batch.RowMasks.Any(m => !m), "the batch must contain masked actions");
        var before = policy.Network.ExportWeights();
        double loss = objective.Update(batch);

        Assert.IsTrue(double.IsFinite(loss));
        foreach (var p in policy.Network.Parameters) Assert.IsTrue(p.isfinite().all().item<bool>(), "no NaN or infinite parameter");
        var after = policy.Network.ExportWeights();
        for (int i = 0; i < before.Length; i++)
            Assert.IsFalse(before[i].SequenceEqual(after[i]), $"parameter {i} (weights and biases alike) is updated");
        Assert.AreNotEqual(1.25f, context.LogZ.item<float>(), "log Z is updated");
    }

    [TestMethod]
    public void LogZMovesAgainstTheMeanTrajectoryBalanceResidualForRlU()
    {
        var env = TestRuns.Grid(4);
        var options = TestRuns.Small(TrainingMethod.PolicyGradientUniform, 1);
        var (context, policy) = Context(options, env);
        using var objective = new PolicyGradientObjective(context);
        var batch = SampleForTraining(policy, env, 40, 9);
        var logPF = Enumerable.Range(0, batch.RowCount).Select(batch.ActionLogProbability).ToArray();
        double[] costs = objective.PolicyDependentCosts(batch, logPF, batch.UniformBackwardLogProbabilities(), 1.25);
        double meanResidual = costs.Sum() / batch.Size;
        Assert.AreNotEqual(0.0, meanResidual);

        // Adam's first step moves every coordinate by −lr·sign(g) (|m̂/√v̂| = 1), so log Z moves by −0.1·sign(mean δ).
        objective.Update(batch);
        Assert.AreEqual(1.25 - 0.1 * Math.Sign(meanResidual), context.LogZ.item<float>(), 1e-5);
    }

    [TestMethod]
    public void TrajectoryBalanceLossMatchesAHandComputationOnTheBatch()
    {
        var env = TestRuns.Grid(4);
        var options = TestRuns.Small(TrainingMethod.TrajectoryBalance, 1);
        var (context, policy) = Context(options, env);
        using var objective = new TrajectoryBalanceObjective(context);
        var batch = SampleForTraining(policy, env, 24, 2);
        float[] logPF = TensorData.ToArray(policy.ActionLogProbabilities(batch));
        double[] logPB = batch.UniformBackwardLogProbabilities();
        var residual = new double[batch.Size];
        for (int n = 0; n < batch.Size; n++) residual[n] = 1.25 - batch.LogRewards[n];
        for (int row = 0; row < batch.RowCount; row++) residual[batch.RowTrajectory[row]] += logPF[row] - logPB[row];
        double expected = residual.Average(r => r * r);

        double loss = objective.Update(batch);
        Assert.AreEqual(expected, loss, 1e-4 * Math.Max(1, expected));
        Assert.AreEqual(1.25 - 0.1 * Math.Sign(residual.Average()), context.LogZ.item<float>(), 1e-5);
    }

    [TestMethod]
    public void BackwardProductsGiveTheAutogradGradientOfALossLinearInTheLogProbabilities()
    {
        var env = TestRuns.Grid(5, ndim: 3);
        var options = TestRuns.Small(TrainingMethod.TrajectoryBalance, 1);
        var (_, policy) = Context(options, env);
        var batch = SampleForTraining(policy, env, 50, 12);
        var random = new GFlowNetRandom(3);
        var c = Enumerable.Range(0, batch.RowCount).Select(_ => 2 * random.NextDouble() - 1).ToArray();

        var manual = TensorData.ToArray(policy.Gradients(batch, TorchPolicy.Features(batch), c));

        policy.Network.Flat.grad?.zero_();
        var surrogate = (policy.ActionLogProbabilities(batch) * tensor(c.Select(x => (float)x).ToArray())).sum();
        surrogate.backward();
        var expected = TensorData.ToArray(policy.Network.Flat.grad!);
        Assert.HasCount(expected.Length, manual);
        int offset = 0;
        foreach (var (p, i) in policy.Network.Parameters.Select((p, i) => (p, i)))
        {
            int n = (int)p.numel();
            double scale = expected.AsSpan(offset, n).ToArray().Max(Math.Abs);
            Assert.IsGreaterThan(0.0, scale, $"parameter {i} has a gradient");
            for (int k = offset; k < offset + n; k++) Assert.AreEqual(expected[k], manual[k], 1e-5 * Math.Max(1, scale), $"parameter {i}, entry {k - offset}");
            offset += n;
        }
        Assert.ThrowsExactly<InvalidOperationException>(() => policy.Gradients(batch, TorchPolicy.Features(batch), c), "the cache is used once");
    }

    [TestMethod]
    public void CriticBackwardMatchesAutogradOnTheSquaredError()
    {
        var random = new GFlowNetRandom(21);
        var critic = new Mlp(6, 2, 16, 1, random);
        var x = TensorData.FromSpan(Enumerable.Range(0, 40 * 6).Select(_ => (float)random.NextDouble()).ToArray(), 40, 6);
        var target = TensorData.FromSpan(Enumerable.Range(0, 40).Select(_ => (float)(3 * random.NextDouble())).ToArray(), 40, 1);
        var hidden = new List<Tensor>();
        Tensor v;
        using (no_grad()) v = critic.Forward(x, hidden);
        var manual = TensorData.ToArray(critic.Backward(x, hidden, (v - target) * 2 / 8));

        ((critic.Forward(x) - target).pow(2).sum() / 8).backward();
        var expected = TensorData.ToArray(critic.Flat.grad!);
        Assert.HasCount(expected.Length, manual);
        for (int k = 0; k < expected.Length; k++) Assert.AreEqual(expected[k], manual[k], 1e-5, $"entry {k}");
    }

    [TestMethod]
    public void LayerViewsExportAndImportTheirOwnSliceOfTheFlatParameters()
    {
        var random = new GFlowNetRandom(5);
        var net = new Mlp(3, 1, 4, 2, random);
        float[] flat = TensorData.ToArray(net.Flat);
        var layers = net.ExportWeights();
        CollectionAssert.AreEqual(flat, layers.SelectMany(l => l).ToArray(), "[W1, b1, W2, b2] in order");
        Assert.AreEqual(flat[3 * 4], net.Parameters[1][0].item<float>(), "b1 starts after the 4×3 W1");

        var other = new Mlp(3, 1, 4, 2, new GFlowNetRandom(6));
        other.ImportWeights(layers);
        CollectionAssert.AreEqual(flat, TensorData.ToArray(other.Flat));
    }

    [TestMethod]
    public void HostMaskedLogSoftmaxMatchesTheTrainingPass()
    {
        var env = TestRuns.Grid(5, ndim: 3);
        var space = StateSpace.Enumerate(env);
        var random = new GFlowNetRandom(4);
        var policy = new TorchPolicy(new Mlp(env.EncodingWidth, 2, 32, env.ActionCount, random), env.ActionCount);
        float[] training = policy.AllLogProbabilities(space);
        var features = new float[space.Count * env.EncodingWidth];
        env.Encode(space.States, features);
        var sampling = new float[space.Count * env.ActionCount];
        policy.LogProbabilities(features, space.ForwardMask, space.Count, sampling);
        for (int i = 0; i < sampling.Length; i++)
        {
            if (space.ForwardMask[i]) Assert.AreEqual(training[i], sampling[i], 1e-5);
            else
            {
                Assert.AreEqual(float.NegativeInfinity, sampling[i]);
                Assert.AreEqual(0.0, Math.Exp(training[i]), "a masked action has probability exactly 0 in the training pass");
            }
        }
        for (int s = 0; s < space.Count; s++)
        {
            double total = 0;
            for (int a = 0; a < env.ActionCount; a++) total += Math.Exp(training[s * env.ActionCount + a]);
            Assert.AreEqual(1.0, total, 1e-5);
        }
    }

    [TestMethod]
    public void TheTorchPolicyNeverSamplesAMaskedAction()
    {
        var env = TestRuns.Grid(3, ndim: 3);
        var random = new GFlowNetRandom(11);
        var policy = new TorchPolicy(new Mlp(env.EncodingWidth, 2, 32, env.ActionCount, random), env.ActionCount);
        var batch = new TrajectorySampler(env).Sample(policy, 2000, random);
        for (int row = 0; row < batch.RowCount; row++)
            Assert.IsTrue(batch.RowMasks[row * env.ActionCount + batch.RowActions[row]], $"row {row} took a masked action");
        Assert.IsTrue(batch.RowMasks.Any(m => !m));
    }
}
