using GFlowNetML.Environments;
using GFlowNetML.Guides;
using GFlowNetML.Rewards;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Torch.Tests;

/// <summary>
/// RL-U trains on the paper's other tasks, with paper-sized networks, batch 128 and seed 0: Bayesian-network structure
/// learning on d = 5 (BGe, 29,281 DAGs) and the synthetic TFBind8-shaped sequence task (K = 4, L = 8, write any blank),
/// both evaluated exactly. RL-G runs with each environment's guide, and non-enumerable environments report sampled metrics.
/// </summary>
/// <remarks>
/// Measured with the same seed and options (evaluations do not touch the training random stream, so the schedule does not
/// change the numbers): DAG exact TV 0.714 at iteration 0, 0.220 at 200, 0.133 at 600, 0.080 at 1000, 0.052 at 2000;
/// sequence 0.265 at 200, 0.108 at 600, 0.069 at 1000. The bounds below leave a margin over the 600-iteration values.
/// </remarks>
[TestClass]
[DoNotParallelize]
public sealed class EnvironmentConvergenceTests
{
    private const int Iterations = 600;

    private static GFlowNetTrainerOptions Paper(TrainingMethod method = TrainingMethod.PolicyGradientUniform)
    {
        var options = TestRuns.Paper(method, Iterations);
        options.EvalEvery = Iterations;
        return options;
    }

    [TestMethod]
    public void RlUOnTheD5BayesianNetworkTaskReachesExactTotalVariationBelow02()
    {
        var env = DagEnvironment.FromLinearGaussian();
        using var trainer = new GFlowNetTrainer(env, Paper());
        var result = trainer.Train();

        Assert.IsGreaterThan(0.5, result.History[0].ExactTotalVariation, "the untrained policy is far from the posterior");
        Assert.IsLessThan(0.2, result.Final.ExactTotalVariation, $"TV {result.Final.ExactTotalVariation}");
        Assert.AreEqual(47.3925452387576, result.Final.TrueLogZ, 1e-9);

        var space = trainer.StateSpace!;
        var posterior = DagEdgeMarginals.Compute(space, space.TargetDistribution);
        var sampler = DagEdgeMarginals.Compute(space, trainer.TerminatingDistribution());
        var difference = DagEdgeMarginals.Difference(env.Nodes, posterior, sampler);
        Assert.IsLessThan(0.05, difference.MeanAbsolute, $"edge marginals: mean |Δ| {difference.MeanAbsolute}, max {difference.MaxAbsolute}");
    }

    [TestMethod]
    public void RlUOnTheSyntheticSequenceTaskReachesExactTotalVariationBelow015()
    {
        var env = new SequenceEnvironment(new SyntheticBindingLandscape().ToTable());
        using var trainer = new GFlowNetTrainer(env, Paper());
        var result = trainer.Train();

        Assert.IsGreaterThan(0.3, result.History[0].ExactTotalVariation, "the untrained policy is far from the target");
        Assert.IsLessThan(0.15, result.Final.ExactTotalVariation, $"TV {result.Final.ExactTotalVariation}");
        Assert.AreEqual(env.LogPartition!.Value, result.Final.TrueLogZ, 1e-9);
        Assert.IsGreaterThan(300, result.Final.ModesFound, $"modes found among the 328: {result.Final.ModesFound}");
    }

    /// <summary>The paper's QM9 task (the shipped table, 161,051 sequences, 248,832 states evaluated exactly): RL-U with
    /// paper-sized networks, batch 64, seed 0, 50 iterations. Measured: exact TV 0.4114 at iteration 0 and 0.1403 at 50
    /// (0.113 at 100, 0.115 at 200, where the short run levels off); the bound leaves a margin over the 50-iteration value.</summary>
    [TestMethod]
    public void RlUOnTheQm9TaskReachesExactTotalVariationBelow02In50Iterations()
    {
        var env = new SequenceEnvironment(SequenceRewardTable.LoadQm9());
        var options = TestRuns.Paper(TrainingMethod.PolicyGradientUniform, 50);
        options.BatchSize = 64;
        options.EvalEvery = 50;
        using var trainer = new GFlowNetTrainer(env, options);
        var result = trainer.Train();

        Assert.AreEqual(0.4114, result.History[0].ExactTotalVariation, 5e-5, "the untrained policy");
        Assert.IsLessThan(0.2, result.Final.ExactTotalVariation, $"TV {result.Final.ExactTotalVariation}");
        Assert.AreEqual(9.6241168816014, result.Final.TrueLogZ, 1e-9);
        Assert.AreEqual(805L, trainer.TotalModes);
        Assert.IsGreaterThan(0, result.Final.ModesFound, "some of the 805 modes are sampled");
    }

    [TestMethod]
    public void RlGTrainsWithTheSequenceAndDagGuides()
    {
        foreach (GFlowNetEnvironment env in new GFlowNetEnvironment[]
                 {
                     new SequenceEnvironment(new SyntheticBindingLandscape(2, 4).ToTable()),
                     DagEnvironment.FromLinearGaussian(3, expectedEdges: 1.5, samples: 30),
                 })
        {
            var options = TestRuns.Small(TrainingMethod.PolicyGradientGuided, 60);
            options.BatchSize = 32;
            options.EvalEvery = 60;
            using var trainer = new GFlowNetTrainer(env, options);
            Assert.IsInstanceOfType(trainer.Guide, env is SequenceEnvironment ? typeof(SequenceGuide) : typeof(DagGuide));
            var result = trainer.Train();
            Assert.IsTrue(result.Completed);
            Assert.IsLessThan(result.History[0].ExactTotalVariation, result.Final.ExactTotalVariation, $"{env.Name}: RL-G improves on the initial policy");
            if (trainer.Guide is SequenceGuide guide) Assert.IsGreaterThan(0, guide.Count, "the guide's replay buffer observed the batches");
        }
    }

    /// <summary>Every method variant runs on environments whose exit is restricted (sequences: only when full), whose every
    /// state is terminal (DAGs), and which are built word by word (bit sequences): a few iterations each, finite numbers.
    /// (Flow matching once asked for the reward of partial sequences.)</summary>
    [TestMethod]
    [DataRow("sequence")]
    [DataRow("dag")]
    [DataRow("bitseq")]
    public void EveryMethodTrainsOnEveryEnvironmentKind(string kind)
    {
        GFlowNetEnvironment env = kind switch
        {
            "sequence" => new SequenceEnvironment(new SyntheticBindingLandscape(2, 3).ToTable(), SequenceActionModel.PrependOrAppend),
            "dag" => DagEnvironment.FromLinearGaussian(3, expectedEdges: 1.5, samples: 30),
            _ => new BitSequence(bits: 6, word: 2, codebook: 3),
        };
        foreach (var variant in TrainingMethodNames.AllowedVariants.Split(", "))
        {
            var (method, learnBackward) = TrainingMethodNames.ParseVariant(variant);
            var options = TestRuns.Small(method, 3);
            options.LearnBackwardPolicy = learnBackward;
            options.EvalEvery = 3;
            if (env.DefaultGuide is null && method == TrainingMethod.PolicyGradientGuided)
            {
                // Bit sequences have no guide in the paper: RL-G needs one passed in, and says so.
                var e = Assert.ThrowsExactly<ArgumentException>(() => new GFlowNetTrainer(env, options));
                StringAssert.Contains(e.Message, "needs a guide");
                continue;
            }
            using var trainer = new GFlowNetTrainer(env, options);
            var result = trainer.Train();
            Assert.IsTrue(result.Completed, $"{kind}/{variant}");
            Assert.IsTrue(double.IsFinite(result.Final.ExactTotalVariation) && double.IsFinite(result.Final.LogZ), $"{kind}/{variant}: {result.Final}");
        }
    }

    [TestMethod]
    public void EnvironmentsTooLargeToEnumerateAreEvaluatedBySampling()
    {
        var env = new BitSequence(bits: 24, word: 4, codebook: 8);
        var options = TestRuns.Small(TrainingMethod.PolicyGradientUniform, 200);
        options.BatchSize = 64;
        options.EvalEvery = 100;
        options.EvalSamples = 200;
        options.TopK = 10;
        using var trainer = new GFlowNetTrainer(env, options);
        Assert.IsFalse(trainer.EvaluatesExactly);
        var result = trainer.Train();

        Assert.HasCount(3, result.History);
        foreach (var h in result.History)
        {
            Assert.IsFalse(h.IsExact);
            Assert.IsTrue(double.IsNaN(h.ExactTotalVariation));
            Assert.AreEqual(200, h.Sampled!.SampleCount);
            Assert.AreEqual(10, h.Sampled.TopK);
        }
        Assert.IsGreaterThan(result.History[0].Sampled!.MeanLogReward, result.Final.Sampled!.MeanLogReward,
            $"200 iterations of RL-U raise the mean log-reward of on-policy samples: {result.History[0].Sampled!.MeanLogReward} → {result.Final.Sampled!.MeanLogReward}");

        // Evaluating draws from a stream of its own: the same run without evaluations trains to the same policy.
        options.EvalEvery = 200;
        using var quiet = new GFlowNetTrainer(env, options);
        var again = quiet.Train();
        Assert.AreEqual(result.Final.LogZ, again.Final.LogZ);
        Assert.AreEqual(result.Final.Sampled, again.Final.Sampled);
    }
}
