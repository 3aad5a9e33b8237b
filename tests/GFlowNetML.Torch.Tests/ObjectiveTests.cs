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
    private static (TrainingContext Context, TorchForwardPolicy Policy) Context(GFlowNetTrainerOptions options, int encodingWidth, int actions)
    {
        var random = new GFlowNetRandom(options.Seed);
        var net = new Mlp(encodingWidth, options.PolicyHiddenLayers, options.PolicyHiddenWidth, actions, random);
        var policy = new TorchForwardPolicy(net, actions);
        var logZ = tensor(new float[] { 1.25f }).requires_grad_(true);
        var adam = new Adam([.. net.Parameters.Select(p => (p, options.PolicyLearningRate)), (logZ, options.LogZLearningRate)]);
        return (new TrainingContext(options, policy, logZ, adam, random), policy);
    }

    [TestMethod]
    public void PerStepCostsOfATrajectorySumToItsTrajectoryBalanceResidual()
    {
        var env = TestRuns.Grid(6);
        var options = TestRuns.Small(TrainingMethod.PolicyGradientUniform, 1);
        var (context, policy) = Context(options, env.EncodingWidth, env.ActionCount);
        using var objective = new PolicyGradientObjective(context, env.EncodingWidth);
        var batch = new TrajectorySampler(env).Sample(policy, 64, new GFlowNetRandom(3));
        float[] logPF = TensorData.ToArray(policy.ActionLogProbabilities(batch));
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
        var (context, policy) = Context(options, env.EncodingWidth, env.ActionCount);
        using var objective = new PolicyGradientObjective(context, env.EncodingWidth);
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
    public void OneUpdateGivesFiniteGradientsAndParametersDespiteMaskedActions(TrainingMethod method)
    {
        // H = 2: most states have masked moves, so the −1e5 fill is exercised on many rows.
        var env = TestRuns.Grid(2, ndim: 3);
        var options = TestRuns.Small(method, 1);
        var (context, policy) = Context(options, env.EncodingWidth, env.ActionCount);
        using TrainingObjective objective = method == TrainingMethod.PolicyGradientUniform
            ? new PolicyGradientObjective(context, env.EncodingWidth)
            : new TrajectoryBalanceObjective(context);
        var batch = new TrajectorySampler(env).Sample(policy, 64, new GFlowNetRandom(1));
        Assert.IsTrue(batch.RowMasks.Any(m => !m), "the batch must contain masked actions");
        var before = policy.Network.ExportWeights();
        double loss = objective.Update(batch, policy.ActionLogProbabilities(batch));

        Assert.IsTrue(double.IsFinite(loss));
        foreach (var p in policy.Network.Parameters)
        {
            Assert.IsNotNull(p.grad, "every layer (weights and biases) receives a gradient");
            Assert.IsTrue(p.grad.isfinite().all().item<bool>(), "no NaN or infinite gradient");
            Assert.IsTrue(p.isfinite().all().item<bool>());
        }
        var after = policy.Network.ExportWeights();
        for (int i = 0; i < before.Length; i++)
            Assert.IsFalse(before[i].SequenceEqual(after[i]), $"parameter {i} (weights and biases alike) is updated");
        Assert.AreNotEqual(1.25f, context.LogZ.item<float>(), "log Z is updated");
    }

    [TestMethod]
    public void LogZGradientIsTheMeanTrajectoryBalanceResidualForRlU()
    {
        var env = TestRuns.Grid(4);
        var options = TestRuns.Small(TrainingMethod.PolicyGradientUniform, 1);
        var (context, policy) = Context(options, env.EncodingWidth, env.ActionCount);
        using var objective = new PolicyGradientObjective(context, env.EncodingWidth);
        var batch = new TrajectorySampler(env).Sample(policy, 40, new GFlowNetRandom(9));
        float[] logPF = TensorData.ToArray(policy.ActionLogProbabilities(batch));
        double[] costs = objective.PolicyDependentCosts(batch, logPF, batch.UniformBackwardLogProbabilities(), 1.25);
        double meanResidual = costs.Sum() / batch.Size;

        // Adam's first step moves every coordinate by −lr·sign(g) (|m̂/√v̂| = 1), so log Z moves by −0.1·sign(mean δ).
        objective.Update(batch, policy.ActionLogProbabilities(batch));
        Assert.AreEqual(meanResidual, context.LogZ.grad!.item<float>(), 1e-4);
        Assert.AreEqual(1.25 - 0.1 * Math.Sign(meanResidual), context.LogZ.item<float>(), 1e-5);
    }

    [TestMethod]
    public void TrajectoryBalanceLossMatchesAHandComputationOnTheBatch()
    {
        var env = TestRuns.Grid(4);
        var options = TestRuns.Small(TrainingMethod.TrajectoryBalance, 1);
        var (context, policy) = Context(options, env.EncodingWidth, env.ActionCount);
        using var objective = new TrajectoryBalanceObjective(context);
        var batch = new TrajectorySampler(env).Sample(policy, 24, new GFlowNetRandom(2));
        float[] logPF = TensorData.ToArray(policy.ActionLogProbabilities(batch));
        double[] logPB = batch.UniformBackwardLogProbabilities();
        var residual = new double[batch.Size];
        for (int n = 0; n < batch.Size; n++) residual[n] = 1.25 - batch.LogRewards[n];
        for (int row = 0; row < batch.RowCount; row++) residual[batch.RowTrajectory[row]] += logPF[row] - logPB[row];
        double expected = residual.Average(r => r * r);

        double loss = objective.Update(batch, policy.ActionLogProbabilities(batch));
        Assert.AreEqual(expected, loss, 1e-4 * Math.Max(1, expected));
        // d loss / d log Z = 2·mean residual.
        Assert.AreEqual(2 * residual.Average(), context.LogZ.grad!.item<float>(), 1e-4);
    }

    [TestMethod]
    public void HostMaskedLogSoftmaxMatchesTheTrainingPass()
    {
        var env = TestRuns.Grid(5, ndim: 3);
        var space = StateSpace.Enumerate(env);
        var random = new GFlowNetRandom(4);
        var policy = new TorchForwardPolicy(new Mlp(env.EncodingWidth, 2, 32, env.ActionCount, random), env.ActionCount);
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
        var policy = new TorchForwardPolicy(new Mlp(env.EncodingWidth, 2, 32, env.ActionCount, random), env.ActionCount);
        var batch = new TrajectorySampler(env).Sample(policy, 2000, random);
        for (int row = 0; row < batch.RowCount; row++)
            Assert.IsTrue(batch.RowMasks[row * env.ActionCount + batch.RowActions[row]], $"row {row} took a masked action");
        Assert.IsTrue(batch.RowMasks.Any(m => !m));
    }
}
