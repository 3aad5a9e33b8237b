using GFlowNetML.Environments;
using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Objectives;
using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Tests;

/// <summary>
/// TB, DB and SubTB: loss values against hand derivations on a 3-trajectory chain, every derivative against central
/// finite differences of the loss, SubTB's weighting in its limits, and the gradients one <c>Update</c> pushes through
/// the forward policy, the learned backward policy and the flow head against plain autograd of the same loss.
/// </summary>
[TestClass]
public sealed class BalanceObjectiveTests
{
    // ---------------------------------------------------------------------------------------------------------------
    // The hand case: the 1-D grid of height 3 (states 0, 1, 2; action 0 = "+1", action 1 = exit), three trajectories
    //   τ0: 0 → exit               (1 action)
    //   τ1: 0 → 1 → exit           (2 actions)
    //   τ2: 0 → 1 → 2 → exit       (3 actions)
    // stored step-major: step 0 = rows 0 (τ0), 1 (τ1), 2 (τ2); step 1 = rows 3 (τ1), 4 (τ2); step 2 = row 5 (τ2).
    // Hand-chosen inputs (not a consistent policy on purpose: every row has its own value, so a mixed-up row shows):
    //   row        0      1      2      3      4      5
    //   state      0      0      0      1      1      2
    //   action     exit   +1     +1     exit   +1     exit
    //   log π_F   −0.7   −0.4   −0.3   −1.1   −0.2   −0.05
    //   log π_B    0     −0.25  −0.35   0     −0.6    0        (exit rows have none)
    //   log F      0.2    0.3    0.4   −0.1    0.6   −0.3
    //   log R(τ0) = −1, log R(τ1) = −2, log R(τ2) = −0.5, log Z = 0.5.
    // ---------------------------------------------------------------------------------------------------------------
    private static readonly double[] HandLogPF = [-0.7, -0.4, -0.3, -1.1, -0.2, -0.05];
    private static readonly double[] HandLogPB = [0, -0.25, -0.35, 0, -0.6, 0];
    private static readonly double[] HandLogF = [0.2, 0.3, 0.4, -0.1, 0.6, -0.3];
    private static readonly double[] HandLogR = [-1.0, -2.0, -0.5];
    private const double HandLogZ = 0.5;

    /// <summary>The chain batch above, built directly (row layout as the sampler writes it).</summary>
    internal static TrajectoryBatch ChainBatch(HyperGrid env)
    {
        Assert.AreEqual(1, env.Dimensions);
        Assert.AreEqual(3, env.Height);
        int[] states = [0, 0, 0, 1, 1, 2];
        var features = new float[states.Length * env.EncodingWidth];
        env.Encode(states, features);
        var masks = new bool[states.Length * env.ActionCount];
        env.ForwardMasks(states, masks);
        var logProbabilities = new float[masks.Length];
        for (int i = 0; i < masks.Length; i++) logProbabilities[i] = masks[i] ? -0.5f : float.NegativeInfinity;
        var terminal = new[] { 0, 1, 2 };
        var logRewards = new double[3];
        env.LogReward(terminal, logRewards);
        return new TrajectoryBatch(env, size: 3, stepOffsets: [0, 3, 5, 6], rowTrajectory: [0, 1, 2, 1, 2, 2], rowStates: states,
            rowFeatures: features, rowMasks: masks, rowLogProbabilities: logProbabilities, rowActions: [1, 0, 0, 1, 0, 1],
            rowNext: [-1, 3, 4, -1, 5, -1], lengths: [1, 2, 3], terminalStates: terminal, logRewards: logRewards);
    }

    private static HyperGrid Chain() => new(ndim: 1, height: 3, r0: 0.01);

    private static BalanceObjective Create(TrainingMethod method, GFlowNetEnvironment env, double subTrajectoryLambda = 0.5, bool learnBackward = false)
    {
        var options = TestRuns.Small(method, 1);
        options.SubTrajectoryLambda = subTrajectoryLambda;
        options.LearnBackwardPolicy = learnBackward;
        var (context, _) = ObjectiveTests.Context(options, env);
        return method switch
        {
            TrainingMethod.TrajectoryBalance => new TrajectoryBalanceObjective(context),
            TrainingMethod.DetailedBalance => new DetailedBalanceObjective(context),
            TrainingMethod.SubTrajectoryBalance => new SubTrajectoryBalanceObjective(context),
            _ => throw new ArgumentOutOfRangeException(nameof(method)),
        };
    }

    private static BalanceObjective.Inputs HandInputs(TrainingMethod method)
        => new(ChainBatch(Chain()), HandLogPF, HandLogPB, method == TrainingMethod.TrajectoryBalance ? [] : HandLogF, HandLogR, HandLogZ);

    [TestMethod]
    public void TrajectoryBalanceLossIsTheHandDerivation()
    {
        // δ(τ0) = log Z + (−0.7) − (−1)                          = 0.8
        // δ(τ1) = log Z + (−0.4 − 1.1) − (−2) − (−0.25)          = 1.25
        // δ(τ2) = log Z + (−0.3 − 0.2 − 0.05) − (−0.5) − (−0.35 − 0.6) = 1.4
        // L = (0.8² + 1.25² + 1.4²)/3 = (0.64 + 1.5625 + 1.96)/3 = 1.3875
        using var tb = Create(TrainingMethod.TrajectoryBalance, Chain());
        var d = tb.Derivatives(HandInputs(TrainingMethod.TrajectoryBalance));
        Assert.AreEqual(1.3875, d.Loss, 1e-12);
        // dL/dlog Z = 2·mean δ = 2·(0.8 + 1.25 + 1.4)/3 = 2.3; every row of τ2 gets dL/dlog π_F = 2·1.4/3.
        Assert.AreEqual(2.3, d.LogZ, 1e-12);
        Assert.AreEqual(2 * 1.4 / 3, d.LogPF[5], 1e-12);
        Assert.AreEqual(-2 * 1.25 / 3, d.LogPB[1], 1e-12);
    }

    [TestMethod]
    public void DetailedBalanceLossIsTheHandDerivation()
    {
        // One residual per row, log F(s) + log π_F − (log F(s') + log π_B), or − log R at an exit:
        //   row 0 (0 → exit):  0.2 − 0.7 − (−1)                 =  0.5
        //   row 1 (0 → 1):     0.3 − 0.4 − (−0.1 − 0.25)        =  0.25   (s' is row 3)
        //   row 2 (0 → 1):     0.4 − 0.3 − (0.6 − 0.35)         = −0.15   (s' is row 4)
        //   row 3 (1 → exit): −0.1 − 1.1 − (−2)                 =  0.8
        //   row 4 (1 → 2):     0.6 − 0.2 − (−0.3 − 0.6)         =  1.3    (s' is row 5)
        //   row 5 (2 → exit): −0.3 − 0.05 − (−0.5)              =  0.15
        // L = (0.25 + 0.0625 + 0.0225 + 0.64 + 1.69 + 0.0225)/3 = 2.6875/3
        using var db = Create(TrainingMethod.DetailedBalance, Chain());
        var d = db.Derivatives(HandInputs(TrainingMethod.DetailedBalance));
        Assert.AreEqual(2.6875 / 3, d.Loss, 1e-12);
        // dL/dlog F(row 3) = 2·0.8/3 (its own exit) − 2·0.25/3 (the end of row 1's transition) = 1.1/3.
        Assert.AreEqual(1.1 / 3, d.LogF[3], 1e-12);
        Assert.AreEqual(0.0, d.LogZ);
    }

    [TestMethod]
    public void SubTrajectoryBalanceLossIsTheHandDerivation()
    {
        // λ = 0.5; a run of k actions weighs λ^(k−1) / Σ_k (n − k + 1)·λ^(k−1); runs ending with the exit use log R, no π_B.
        // τ0 (n = 1, normaliser 1): run [0,1) = DB row 0 = 0.5                                     → 0.25
        // τ1 (n = 2, normaliser 2 + λ = 2.5):
        //   k=1: [0,1) = 0.25 (DB row 1), [1,2) = 0.8 (DB row 3)
        //   k=2: [0,2) = 0.3 + (−0.4 − 1.1) − (−2 + (−0.25)) = 1.05
        //   → (0.0625 + 0.64 + 0.5·1.1025)/2.5 = 1.25375/2.5 = 0.5015
        // τ2 (n = 3, normaliser 3 + 2λ + λ² = 4.25):
        //   k=1: −0.15, 1.3, 0.15 (DB rows 2, 4, 5)
        //   k=2: [0,2) = 0.4 + (−0.3 − 0.2) − (−0.3 + (−0.35 − 0.6)) = 1.15
        //        [1,3) = 0.6 + (−0.2 − 0.05) − (−0.5 + (−0.6))        = 1.45
        //   k=3: [0,3) = 0.4 + (−0.3 − 0.2 − 0.05) − (−0.5 + (−0.35 − 0.6)) = 1.3
        //   → (0.0225 + 1.69 + 0.0225 + 0.5·(1.3225 + 2.1025) + 0.25·1.69)/4.25 = 3.87/4.25
        // L = (0.25 + 0.5015 + 3.87/4.25)/3
        using var subtb = Create(TrainingMethod.SubTrajectoryBalance, Chain(), subTrajectoryLambda: 0.5);
        var d = subtb.Derivatives(HandInputs(TrainingMethod.SubTrajectoryBalance));
        Assert.AreEqual((0.25 + 0.5015 + 3.87 / 4.25) / 3, d.Loss, 1e-12);
        Assert.AreEqual(0.0, d.LogZ);
    }

    [TestMethod]
    [DataRow(TrainingMethod.TrajectoryBalance)]
    [DataRow(TrainingMethod.DetailedBalance)]
    [DataRow(TrainingMethod.SubTrajectoryBalance)]
    public void EveryDerivativeOfTheHandCaseIsTheFiniteDifferenceOfTheLoss(TrainingMethod method)
    {
        using var objective = Create(method, Chain());
        AssertDerivativesMatchFiniteDifferences(objective, HandInputs(method));
    }

    [TestMethod]
    [DataRow(TrainingMethod.TrajectoryBalance, 0.9)]
    [DataRow(TrainingMethod.DetailedBalance, 0.9)]
    [DataRow(TrainingMethod.SubTrajectoryBalance, 0.9)]
    [DataRow(TrainingMethod.SubTrajectoryBalance, 0.3)]
    [DataRow(TrainingMethod.SubTrajectoryBalance, 1.0)]
    public void EveryDerivativeOnASampledBatchIsTheFiniteDifferenceOfTheLoss(TrainingMethod method, double lambda)
    {
        // Many interleaved trajectories of different lengths on a 2-D grid, with random per-row inputs.
        var env = TestRuns.Grid(4);
        using var objective = Create(method, env, lambda);
        var inputs = RandomInputs(env, method, seed: 17);
        AssertDerivativesMatchFiniteDifferences(objective, inputs);
    }

    [TestMethod]
    [DataRow(0.3)]
    [DataRow(0.9)]
    [DataRow(1.0)]
    public void SubTrajectoryBalanceMatchesAReferenceWrittenFromTheDefinition(double lambda)
    {
        var env = TestRuns.Grid(4);
        using var subtb = Create(TrainingMethod.SubTrajectoryBalance, env, lambda);
        var inputs = RandomInputs(env, TrainingMethod.SubTrajectoryBalance, seed: 5);
        var (loss, weightSums) = ReferenceSubTrajectoryBalance(inputs, lambda);
        foreach (double w in weightSums) Assert.AreEqual(1.0, w, 1e-12, "the weights of a trajectory's runs sum to 1");
        Assert.AreEqual(loss, subtb.Derivatives(inputs).Loss, 1e-12 * Math.Max(1, loss));
    }

    [TestMethod]
    [DataRow(0.1)]
    [DataRow(0.9)]
    [DataRow(1.0)]
    public void SubTrajectoryBalanceOfAnImmediateExitIsTheSquaredExitResidual(double lambda)
    {
        // One trajectory that exits at s0: a single run of one action, weight 1/1.
        var env = Chain();
        var full = ChainBatch(env);
        var batch = new TrajectoryBatch(env, 1, [0, 1], [0], [0], full.RowFeatures[..env.EncodingWidth], full.RowMasks[..env.ActionCount],
            full.RowLogProbabilities[..env.ActionCount], [env.ExitAction], [-1], [1], [0], [full.LogRewards[0]]);
        using var subtb = Create(TrainingMethod.SubTrajectoryBalance, env, lambda);
        var d = subtb.Derivatives(new BalanceObjective.Inputs(batch, [-0.7], [0], [0.2], [-1.0], 3.0));
        double residual = 0.2 + (-0.7) - (-1.0);
        Assert.AreEqual(residual * residual, d.Loss, 1e-12);
        Assert.AreEqual(2 * residual, d.LogF[0], 1e-12);
        Assert.AreEqual(2 * residual, d.LogPF[0], 1e-12);
        Assert.AreEqual(0.0, d.LogPB[0], "an exit row has no π_B");
    }

    [TestMethod]
    public void SubTrajectoryBalanceTendsToDetailedBalanceAsLambdaVanishes()
    {
        // λ → 0: only runs of one action keep weight, 1/n each: L → (1/N)·Σ_n (1/n)·Σ_t (DB residual_t)².
        var env = TestRuns.Grid(4);
        using var subtb = Create(TrainingMethod.SubTrajectoryBalance, env, 1e-9);
        var inputs = RandomInputs(env, TrainingMethod.SubTrajectoryBalance, seed: 8);
        var batch = inputs.Batch;
        double expected = 0;
        for (int row = 0; row < batch.RowCount; row++)
        {
            int n = batch.RowTrajectory[row], next = batch.RowNext[row];
            double residual = inputs.LogF[row] + inputs.LogPF[row] - (next >= 0 ? inputs.LogF[next] + inputs.LogPB[row] : inputs.LogR[n]);
            expected += residual * residual / batch.Lengths[n];
        }
        expected /= batch.Size;
        Assert.AreEqual(expected, subtb.Derivatives(inputs).Loss, 1e-6 * expected);
    }

    [TestMethod]
    public void SubTrajectoryBalanceTendsToTrajectoryBalanceWithZEqualToFOfS0AsTheWholeTrajectoryDominates()
    {
        // λ → ∞ (outside the options' range, set here only to probe the weighting): the whole-trajectory run takes all
        // the weight, L → (1/N)·Σ_n (log F(s0) + Σ log π_F − log R − Σ log π_B)²; TB with log Z = log F(s0) gives the same.
        var env = TestRuns.Grid(4);
        using var subtb = Create(TrainingMethod.SubTrajectoryBalance, env, 1e7);
        var inputs = RandomInputs(env, TrainingMethod.SubTrajectoryBalance, seed: 9);
        var batch = inputs.Batch;
        // Give every s0 row the same log F, so that one log Z stands for all of them.
        var logF = (double[])inputs.LogF.Clone();
        for (int row = 0; row < batch.StepOffsets[1]; row++) logF[row] = 0.7;
        inputs = inputs with { LogF = logF };
        double expected = 0;
        var residual = new double[batch.Size];
        for (int n = 0; n < batch.Size; n++) residual[n] = 0.7 - inputs.LogR[n];
        for (int row = 0; row < batch.RowCount; row++) residual[batch.RowTrajectory[row]] += inputs.LogPF[row] - inputs.LogPB[row];
        foreach (double r in residual) expected += r * r / batch.Size;

        Assert.AreEqual(expected, subtb.Derivatives(inputs).Loss, 1e-5 * expected);
        using var tb = Create(TrainingMethod.TrajectoryBalance, env);
        Assert.AreEqual(expected, tb.Derivatives(inputs with { LogF = [], LogZ = 0.7 }).Loss, 1e-9 * expected);
    }

    [TestMethod]
    [DataRow(TrainingMethod.TrajectoryBalance)]
    [DataRow(TrainingMethod.DetailedBalance)]
    [DataRow(TrainingMethod.SubTrajectoryBalance)]
    public void OneUpdatePushesTheAutogradGradientOfTheLossThroughEveryNetwork(TrainingMethod method)
    {
        // A learned P_B: the forward policy, the backward policy and (DB, SubTB) the flow head all get gradients.
        var env = TestRuns.Grid(5);
        var options = TestRuns.Small(method, 1, seed: 4);
        options.LearnBackwardPolicy = true;
        options.SubTrajectoryLambda = 0.8;
        var (context, policy) = ObjectiveTests.Context(options, env);
        using BalanceObjective objective = method switch
        {
            TrainingMethod.TrajectoryBalance => new TrajectoryBalanceObjective(context),
            TrainingMethod.DetailedBalance => new DetailedBalanceObjective(context),
            _ => new SubTrajectoryBalanceObjective(context),
        };
        bool flow = method != TrainingMethod.TrajectoryBalance;
        Assert.HasCount(flow ? 2 : 1, objective.Networks, "the backward policy, then the flow head");
        var backwardNetwork = objective.Networks[0];
        Assert.AreEqual(env.BackwardActionCount, backwardNetwork.Sizes[^1]);
        var batch = TestSampling.SampleForTraining(policy, env, 24, seed: 6);

        // The same loss with tensors: residual_j = A_PF·log π_F + A_F·log F + A_Z·log Z − A_PB·log π_B − A_R·log R.
        var terms = BalanceTerms(batch, method, options.SubTrajectoryLambda);
        var features = TorchPolicy.Features(batch);
        var logPF = policy.ActionLogProbabilities(batch);
        var logPB = TransitionBackwardLogProbabilities(batch, new TorchPolicy(backwardNetwork, env.BackwardActionCount), features);
        var logR = tensor(Enumerable.Range(0, batch.Size).Select(n => (float)Math.Max(batch.LogRewards[n], options.LogRewardClamp)).ToArray());
        var residual = terms.PF.mv(logPF) - terms.PB.mv(logPB) - terms.R.mv(logR) + terms.Z * context.LogZ;
        Tensor? logF = null;
        if (flow)
        {
            logF = objective.Networks[1].Forward(features).squeeze(1);
            residual = residual + terms.F.mv(logF);
        }
        var loss = (terms.Weights * residual.pow(2)).sum();
        var wrt = new List<Tensor> { policy.Network.Flat, backwardNetwork.Flat };
        if (flow) wrt.Add(objective.Networks[1].Flat); else wrt.Add(context.LogZ);
        var expected = autograd.grad([loss], wrt).Select(TensorData.ToArray).ToArray();
        double expectedLoss = loss.item<float>();

        double reported = objective.Update(batch);

        Assert.AreEqual(expectedLoss, reported, 1e-5 * Math.Max(1, expectedLoss), "the loss value");
        TestSampling.AssertClose(expected[0], TestSampling.FirstStepGradient(context.PolicyOptimizer, 0), 1e-4, "forward policy");
        TestSampling.AssertClose(expected[1], TestSampling.FirstStepGradient(objective.Optimizers[0]), 1e-4, "backward policy");
        if (flow)
        {
            TestSampling.AssertClose(expected[2], TestSampling.FirstStepGradient(objective.Optimizers[1]), 1e-4, "flow head");
            // log Z is not a parameter here: it is read off the (updated) flow at s0.
            Assert.IsTrue(TestSampling.FirstStepGradient(context.PolicyOptimizer, 1).All(g => g == 0), "log Z gets no gradient");
            using (no_grad())
            {
                float logZ = objective.Networks[1].Forward(features.narrow(0, 0, 1)).item<float>();
                Assert.AreEqual(logZ, context.LogZ.item<float>(), 1e-6);
            }
        }
        else
        {
            Assert.AreEqual(expected[2][0], TestSampling.FirstStepGradient(context.PolicyOptimizer, 1)[0], 1e-4 * Math.Max(1, Math.Abs(expected[2][0])), "log Z");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static void AssertDerivativesMatchFiniteDifferences(BalanceObjective objective, BalanceObjective.Inputs inputs)
    {
        const double h = 1e-4, tolerance = 1e-6;
        var d = objective.Derivatives(inputs);
        var batch = inputs.Batch;
        Assert.HasCount(batch.RowCount, d.LogPF);
        Assert.HasCount(batch.RowCount, d.LogPB);
        Assert.HasCount(inputs.LogF.Length, d.LogF);
        Assert.IsTrue(double.IsFinite(d.Loss) && d.Loss > 0);
        double Loss(BalanceObjective.Inputs i) => objective.Derivatives(i).Loss;

        for (int row = 0; row < batch.RowCount; row++)
        {
            Assert.AreEqual(Central(v => inputs with { LogPF = With(inputs.LogPF, row, v) }, inputs.LogPF[row]), d.LogPF[row], tolerance, $"dL/dlog π_F, row {row}");
            if (batch.RowNext[row] >= 0)
                Assert.AreEqual(Central(v => inputs with { LogPB = With(inputs.LogPB, row, v) }, inputs.LogPB[row]), d.LogPB[row], tolerance, $"dL/dlog π_B, row {row}");
            // Exit rows have no log π_B (their input is 0 and the backward step ignores their derivative).
        }
        for (int row = 0; row < inputs.LogF.Length; row++)
            Assert.AreEqual(Central(v => inputs with { LogF = With(inputs.LogF, row, v) }, inputs.LogF[row]), d.LogF[row], tolerance, $"dL/dlog F, row {row}");
        Assert.AreEqual(Central(v => inputs with { LogZ = v }, inputs.LogZ), d.LogZ, tolerance, "dL/dlog Z");

        double Central(Func<double, BalanceObjective.Inputs> at, double x) => (Loss(at(x + h)) - Loss(at(x - h))) / (2 * h);
        static double[] With(double[] values, int index, double value)
        {
            var copy = (double[])values.Clone();
            copy[index] = value;
            return copy;
        }
    }

    /// <summary>A sampled batch (small random policy) with random per-row inputs, log π_B 0 on exit rows.</summary>
    private static BalanceObjective.Inputs RandomInputs(HyperGrid env, TrainingMethod method, long seed)
    {
        var random = new GFlowNetRandom(seed);
        var policy = new TorchPolicy(new Mlp(env.EncodingWidth, 1, 16, env.ActionCount, random), env.ActionCount);
        var batch = new TrajectorySampler(env).Sample(policy, 12, random);
        Assert.IsTrue(batch.Lengths.Distinct().Count() > 2, "trajectories of several lengths");
        double Next(double lo, double hi) => lo + (hi - lo) * random.NextDouble();
        var logPF = Enumerable.Range(0, batch.RowCount).Select(_ => Next(-2, 0)).ToArray();
        var logPB = Enumerable.Range(0, batch.RowCount).Select(row => batch.RowNext[row] >= 0 ? Next(-1, 0) : 0).ToArray();
        var logF = method == TrainingMethod.TrajectoryBalance ? [] : Enumerable.Range(0, batch.RowCount).Select(_ => Next(-1, 2)).ToArray();
        var logR = Enumerable.Range(0, batch.Size).Select(_ => Next(-4, 1)).ToArray();
        return new BalanceObjective.Inputs(batch, logPF, logPB, logF, logR, Next(-1, 2));
    }

    /// <summary>SubTB(λ) from its definition: every run of consecutive actions, enumerated explicitly.</summary>
    private static (double Loss, double[] WeightSums) ReferenceSubTrajectoryBalance(BalanceObjective.Inputs inputs, double lambda)
    {
        var batch = inputs.Batch;
        var weightSums = new double[batch.Size];
        double loss = 0;
        for (int n = 0; n < batch.Size; n++)
        {
            var rows = TrajectoryRows(batch, n);
            int length = rows.Count;
            double normaliser = 0;
            for (int k = 1; k <= length; k++) normaliser += (length - k + 1) * Math.Pow(lambda, k - 1);
            for (int start = 0; start < length; start++)
                for (int end = start + 1; end <= length; end++)
                {
                    double residual = inputs.LogF[rows[start]];
                    for (int t = start; t < end; t++) residual += inputs.LogPF[rows[t]];
                    for (int t = start; t < end && t < length - 1; t++) residual -= inputs.LogPB[rows[t]];
                    residual -= end == length ? inputs.LogR[n] : inputs.LogF[rows[end]];
                    double weight = Math.Pow(lambda, end - start - 1) / normaliser;
                    weightSums[n] += weight;
                    loss += weight * residual * residual / batch.Size;
                }
        }
        return (loss, weightSums);
    }

    /// <summary>The rows of one trajectory in order, by following <see cref="TrajectoryRows.RowNext"/> from step 0.</summary>
    private static List<int> TrajectoryRows(TrajectoryBatch batch, int trajectory)
    {
        int row = Enumerable.Range(0, batch.StepOffsets[1]).Single(r => batch.RowTrajectory[r] == trajectory);
        var rows = new List<int>();
        for (; row >= 0; row = batch.RowNext[row]) rows.Add(row);
        Assert.HasCount(batch.Lengths[trajectory], rows);
        return rows;
    }

    /// <summary>The balance residuals as linear maps of the per-row quantities (dense, [terms, rows]) with their weights:
    /// TB one term per trajectory, DB one per transition (exit included), SubTB one per run of consecutive actions.
    /// log π_B is taken per non-exit row (the transition row → next).</summary>
    private static (Tensor PF, Tensor PB, Tensor F, Tensor R, Tensor Z, Tensor Weights) BalanceTerms(TrajectoryBatch batch, TrainingMethod method, double lambda)
    {
        int rows = batch.RowCount, size = batch.Size;
        var pf = new List<float[]>();
        var pb = new List<float[]>();
        var f = new List<float[]>();
        var r = new List<float[]>();
        var z = new List<float>();
        var weights = new List<float>();
        for (int n = 0; n < size; n++)
        {
            var path = TrajectoryRows(batch, n);
            int length = path.Count;
            double normaliser = 0;
            for (int k = 1; k <= length; k++) normaliser += (length - k + 1) * Math.Pow(lambda, k - 1);
            for (int start = 0; start < length; start++)
                for (int end = start + 1; end <= length; end++)
                {
                    bool whole = start == 0 && end == length, single = end == start + 1;
                    double weight = method switch
                    {
                        TrainingMethod.TrajectoryBalance => whole ? 1.0 / size : 0,
                        TrainingMethod.DetailedBalance => single ? 1.0 / size : 0,
                        _ => Math.Pow(lambda, end - start - 1) / normaliser / size,
                    };
                    if (weight == 0) continue;
                    var a = new float[rows];
                    var b = new float[rows];
                    var c = new float[rows];
                    var d = new float[size];
                    for (int t = start; t < end; t++)
                    {
                        a[path[t]] = 1;
                        if (t < length - 1) b[path[t]] = 1;
                    }
                    if (method == TrainingMethod.TrajectoryBalance) z.Add(1);
                    else { z.Add(0); c[path[start]] = 1; }
                    if (end == length) d[n] = 1; else c[path[end]] = -1;
                    pf.Add(a); pb.Add(b); f.Add(c); r.Add(d);
                    weights.Add((float)weight);
                }
        }
        Tensor Matrix(List<float[]> m, int columns) => TensorData.FromSpan(m.SelectMany(x => x).ToArray(), m.Count, columns);
        return (Matrix(pf, rows), Matrix(pb, rows), Matrix(f, rows), Matrix(r, size), tensor(z.ToArray()), tensor(weights.ToArray()));
    }

    /// <summary>log π_B(s_row | s_next) per row with the autograd graph through the backward network, evaluated at the
    /// child state (the next row's state) on the backward action that undoes the row's action; 0 on exit rows.</summary>
    private static Tensor TransitionBackwardLogProbabilities(TrajectoryBatch batch, TorchPolicy backward, Tensor features)
    {
        var env = batch.Environment;
        int rows = batch.RowCount, width = env.StateWidth, count = env.BackwardActionCount;
        var masks = new bool[rows * count];
        env.BackwardMasks(batch.RowStates, masks);
        var all = backward.LogProbabilities(features, tensor(masks, [rows, count])).reshape(-1);
        var index = new long[rows];
        var keep = new float[rows];
        for (int row = 0; row < rows; row++)
        {
            int next = batch.RowNext[row];
            if (next < 0) continue;
            var b = new int[1];
            env.ToBackwardActions(batch.RowStates.AsSpan(row * width, width), [batch.RowActions[row]], b);
            Assert.IsTrue(masks[next * count + b[0]], "the backward action of a transition is allowed at the child");
            index[row] = (long)next * count + b[0];
            keep[row] = 1;
        }
        return all.index_select(0, tensor(index)) * tensor(keep);
    }
}
