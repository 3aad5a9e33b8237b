using System.Diagnostics;
using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Guides;
using GFlowNetML.Models;
using GFlowNetML.Sampling;
using GFlowNetML.Torch.Checkpoints;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Training;

/// <summary>
/// Trains a GFlowNet sampler on an environment with TorchSharp: samples a batch per iteration (on-policy, or ε-noisy for
/// value-based methods), applies the chosen objective, evaluates exactly on schedule, reports progress, writes
/// checkpoints and honours cancellation. The same seed gives the same numbers, also across a checkpoint and resume.
/// </summary>
/// <remarks>One trainer is not thread-safe, but trainers on different threads of one process are independent. Training
/// runs on the CPU with <see cref="GFlowNetTrainerOptions.Threads"/> libtorch threads (default 1), set on the calling thread
/// for each call, so a seed gives the same numbers whatever the machine's core count or <c>OMP_NUM_THREADS</c>.</remarks>
public sealed class GFlowNetTrainer : IDisposable
{
    private readonly GFlowNetEnvironment _env;
    private readonly GFlowNetTrainerOptions _options;
    private readonly TrajectorySampler _sampler;
    private readonly GFlowNetRandom _random;
    private readonly Mlp _policyNetwork;
    private readonly TorchPolicy _policy;
    private readonly Tensor _logZ;
    private readonly Adam _policyOptimizer;
    private readonly TrainingObjective _objective;
    private readonly StateSpace? _space;
    private readonly List<EvaluationRecord> _history = [];
    private readonly HashSet<string> _modeKeys = [];
    private readonly List<int[]> _modes = [];
    private double _epsilon;
    private double _secondsBefore;
    private LossAccumulator _losses; // the iterations since the last recorded evaluation

    /// <summary>Creates a trainer with freshly initialised networks.</summary>
    /// <param name="environment">The environment to train on.</param>
    /// <param name="options">The options; validated here (a copy is kept).</param>
    /// <param name="guide">The guide π_G of RL-G; null takes the environment's <see cref="GFlowNetEnvironment.DefaultGuide"/>.
    /// Ignored by the other methods.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range (the message names it).</exception>
    /// <exception cref="InvalidOperationException">libtorch cannot be loaded on this machine (the message says what is missing).</exception>
    public GFlowNetTrainer(GFlowNetEnvironment environment, GFlowNetTrainerOptions options, GFlowNetGuide? guide = null)
    {
        _env = environment ?? throw new ArgumentNullException(nameof(environment));
        ArgumentNullException.ThrowIfNull(options);
        Native.TorchNative.EnsureLoaded();
        CheckOptions(environment, options);
        _options = options.Clone();
        var master = new GFlowNetRandom(_options.Seed);
        var initRandom = new GFlowNetRandom(master.NextSeed());
        _random = new GFlowNetRandom(master.NextSeed());
        _sampler = new TrajectorySampler(_env);
        _policyNetwork = new Mlp(_env.EncodingWidth, _options.PolicyHiddenLayers, _options.PolicyHiddenWidth, _env.ActionCount, initRandom);
        _policy = new TorchPolicy(_policyNetwork, _env.ActionCount);
        _logZ = zeros(1).requires_grad_(true).DetachFromDisposeScope();
        _policyOptimizer = new Adam([(_policyNetwork.Flat, _options.PolicyLearningRate), (_logZ, _options.LogZLearningRate)]);
        Guide = _options.Method == TrainingMethod.PolicyGradientGuided ? guide ?? _env.DefaultGuide : null;
        var context = new TrainingContext(_env, _options, _policy, _logZ, _policyOptimizer, initRandom, _random, Guide);
        _objective = _options.Method switch
        {
            TrainingMethod.PolicyGradientUniform or TrainingMethod.PolicyGradientBackward or TrainingMethod.PolicyGradientGuided
                => new PolicyGradientObjective(context),
            TrainingMethod.TrustRegion => new TrustRegionObjective(context),
            TrainingMethod.TrajectoryBalance => new TrajectoryBalanceObjective(context),
            TrainingMethod.DetailedBalance => new DetailedBalanceObjective(context),
            TrainingMethod.SubTrajectoryBalance => new SubTrajectoryBalanceObjective(context),
            TrainingMethod.FlowMatching => new FlowMatchingObjective(context),
            _ => throw new ArgumentOutOfRangeException(nameof(options), _options.Method, $"Method must be one of {TrainingMethodNames.Allowed}."),
        };
        _epsilon = _options.EpsilonStart;
        _space = StateSpace.TryEnumerate(_env);
    }

    /// <summary>Checks <paramref name="options"/> for <paramref name="environment"/> without building anything: every option's
    /// range, and the networks' sizes (at most <see cref="Mlp.MaxParameters"/> parameters each).</summary>
    internal static void CheckOptions(GFlowNetEnvironment environment, GFlowNetTrainerOptions options)
    {
        options.Validate();
        CheckNetworkSize("the forward policy network", environment.EncodingWidth, options.PolicyHiddenLayers, options.PolicyHiddenWidth, environment.ActionCount,
            nameof(GFlowNetTrainerOptions.PolicyHiddenLayers), nameof(GFlowNetTrainerOptions.PolicyHiddenWidth));
        CheckNetworkSize("the critic network", environment.EncodingWidth, options.CriticHiddenLayers, options.CriticHiddenWidth, 1,
            nameof(GFlowNetTrainerOptions.CriticHiddenLayers), nameof(GFlowNetTrainerOptions.CriticHiddenWidth));
        // A batch's worst case: every trajectory of maximal length, each row holding its encoding, its action scores and
        // the policy's activations (kept for the backward pass).
        long perRow = environment.EncodingWidth + environment.ActionCount + (long)options.PolicyHiddenLayers * options.PolicyHiddenWidth;
        long rows = (long)Math.Max(options.BatchSize, options.EvalSamples) * environment.MaxTrajectoryLength;
        double floats = (double)rows * perRow;
        if (floats > MaxBatchFloats)
            throw new ArgumentOutOfRangeException(nameof(GFlowNetTrainerOptions.BatchSize), options.BatchSize, FormattableString.Invariant(
                $"{nameof(GFlowNetTrainerOptions.BatchSize)} {options.BatchSize} (or {nameof(GFlowNetTrainerOptions.EvalSamples)} {options.EvalSamples}) × trajectories of up to {environment.MaxTrajectoryLength} steps × {perRow} values per step could need {floats * 4 / (1L << 30):F0} GiB; at most {MaxBatchFloats * 4 / (1L << 30)} GiB per batch are allowed (lower {nameof(GFlowNetTrainerOptions.BatchSize)}, {nameof(GFlowNetTrainerOptions.EvalSamples)} or the network's width)."));
    }

    /// <summary>The most floats one batch may need in the worst case (2^32: 16 GiB).</summary>
    public const long MaxBatchFloats = 1L << 32;

    private static void CheckNetworkSize(string network, int inputs, int layers, int width, int outputs, string layersOption, string widthOption)
    {
        long count = Mlp.CountParameters(inputs, layers, width, outputs);
        if (count > Mlp.MaxParameters)
            throw new ArgumentOutOfRangeException(widthOption, width, FormattableString.Invariant(
                $"{layersOption} {layers} × {widthOption} {width} would give {network} {(count == long.MaxValue ? "more than 9.2E+18" : count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))} parameters on this environment; at most {Mlp.MaxParameters:N0} are supported (lower {widthOption} or {layersOption})."));
    }

    /// <summary>Creates a trainer that continues the run saved in <paramref name="checkpointDirectory"/>, with the
    /// options stored there (the iteration count may be raised with <paramref name="iterations"/>).</summary>
    /// <param name="environment">The environment; must match the checkpoint's (same <see cref="GFlowNetEnvironment.Description"/>).</param>
    /// <param name="checkpointDirectory">The folder holding <c>checkpoint.gfn</c>.</param>
    /// <param name="iterations">A new total number of iterations, or null to keep the checkpoint's.</param>
    /// <param name="guide">The guide of an RL-G run (as given to the constructor); null takes the environment's.</param>
    /// <param name="threads">A new <see cref="GFlowNetTrainerOptions.Threads"/>, or null to keep the checkpoint's.</param>
    public static GFlowNetTrainer Resume(GFlowNetEnvironment environment, string checkpointDirectory, int? iterations = null, GFlowNetGuide? guide = null, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var checkpoint = TrainingCheckpoint.Load(checkpointDirectory);
        var header = checkpoint.Header;
        if (header.Environment != environment.Description)
            throw new ArgumentException($"The checkpoint was made on {header.Environment}, not on {environment.Description}.", nameof(environment));
        var options = header.Options.Clone();
        options.CheckpointDirectory = checkpointDirectory;
        if (iterations is int n) options.Iterations = n;
        if (threads is int t) options.Threads = t;
        var trainer = new GFlowNetTrainer(environment, options, guide);
        try
        {
            trainer.Restore(checkpoint);
            trainer.CheckDivergence(0, header.Seconds);
        }
        catch (TrainingDivergedException e)
        {
            trainer.Dispose();
            throw new InvalidDataException($"The checkpoint in '{checkpointDirectory}' holds a diverged run ({e.Quantity}); resume from an earlier checkpoint or start again with a lower {e.Option}.", e);
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
        return trainer;
    }

    /// <summary>The options in force.</summary>
    public GFlowNetTrainerOptions Options => _options.Clone();

    /// <summary>The guide RL-G trains its backward policy towards, or null for the other methods.</summary>
    public GFlowNetGuide? Guide { get; }

    /// <summary>The environment trained on.</summary>
    public GFlowNetEnvironment Environment => _env;

    /// <summary>The number of iterations done.</summary>
    public long Iteration { get; private set; }

    /// <summary>The number of trajectories sampled for training so far.</summary>
    public long Trajectories { get; private set; }

    /// <summary>The learned log Z.</summary>
    public double LogZ
    {
        get
        {
            using var value = _logZ.detach(); // referenced through the native read (an inline temporary could be finalized there)
            return value.item<float>();
        }
    }

    /// <summary>The exact evaluations so far.</summary>
    public IReadOnlyList<EvaluationRecord> History => _history;

    /// <summary>The number of distinct modes among all terminal states sampled for training so far.</summary>
    public int ModesFound => _modes.Count;

    /// <summary>How many modes there are to find: the environment's <see cref="GFlowNetEnvironment.TotalModes"/>, else the
    /// modes among the terminal states of the enumerated space; <c>null</c> when neither is known. 0 means the task has no
    /// modes, so <see cref="ModesFound"/> does not apply.</summary>
    public long? TotalModes => _env.TotalModes ?? (_space is null ? null : _space.TerminalIsMode.LongCount(m => m));

    /// <summary>The number of scalar parameters of the forward policy.</summary>
    public long PolicyParameterCount => _policyNetwork.ParameterCount;

    /// <summary>Runs the remaining iterations.</summary>
    /// <exception cref="TrainingDivergedException">An iteration left a non-finite loss, log Z or weight, or one beyond
    /// <see cref="DivergenceLimit"/>; the exception holds the evaluations so far, and no checkpoint of the diverged state is
    /// written.</exception>
    /// <param name="progress">Called synchronously after every iteration.</param>
    /// <param name="cancellationToken">Stops training between two steps of the current iteration's sampling (that iteration is
    /// abandoned, its random draws put back) or at the next iteration boundary; the result then has
    /// <see cref="TrainingResult.Completed"/> false, and the trainer stands at its last whole iteration.</param>
    public TrainingResult Train(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var threads = TorchThreads.Use(_options.Threads);
        var clock = Stopwatch.StartNew();
        double Seconds() => _secondsBefore + clock.Elapsed.TotalSeconds;
        if (_history.Count == 0) _history.Add(Evaluate(Seconds()));
        bool completed = true;
        while (Iteration < _options.Iterations)
        {
            if (cancellationToken.IsCancellationRequested) { completed = false; break; }
            double loss;
            try { loss = TrainOneIteration(cancellationToken); }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                completed = false; // within the iteration's sampling: nothing of it was kept (see TrainOneIteration)
                break;
            }
            catch (ArithmeticException e) when (e is not TrainingDivergedException)
            {
                throw Diverged(Iteration + 1, $"the policy's action logits became non-finite while sampling ({e.Message})",
                    nameof(GFlowNetTrainerOptions.PolicyLearningRate), _options.PolicyLearningRate, Seconds());
            }
            CheckDivergence(loss, Seconds());
            bool evaluate = Iteration % _options.EvalEvery == 0 || Iteration == _options.Iterations;
            if (evaluate)
            {
                _history.Add(Evaluate(Seconds()));
                _losses = default;
            }
            progress?.Report(new TrainingProgress(Iteration, _options.Iterations, Trajectories, loss, _history.LastOrDefault()));
            if (_options.CheckpointEvery > 0 && Iteration % _options.CheckpointEvery == 0)
                SaveCheckpoint(_options.CheckpointDirectory!, Seconds());
        }
        _secondsBefore = Seconds();
        var final = _history[^1].Iteration == Iteration ? _history[^1] with { Seconds = _secondsBefore } : Evaluate(_secondsBefore);
        return new TrainingResult(final, _history.ToArray(), completed);
    }

    /// <summary>The largest magnitude a network weight or log Z may reach before training counts as diverged (healthy runs
    /// stay many orders of magnitude below it; a learning rate that is far too large crosses it in one step, before the
    /// weights turn NaN).</summary>
    public const double DivergenceLimit = 1e12;

    /// <summary>Throws <see cref="TrainingDivergedException"/> when the last iteration left a non-finite loss, log Z or weight,
    /// or one beyond <see cref="DivergenceLimit"/>, naming the option whose lowering usually cures it.</summary>
    private void CheckDivergence(double loss, double seconds)
    {
        var policyRate = _options.Method == TrainingMethod.TrustRegion
            ? (nameof(GFlowNetTrainerOptions.TrustRegionDelta), _options.TrustRegionDelta)
            : (nameof(GFlowNetTrainerOptions.PolicyLearningRate), _options.PolicyLearningRate);
        if (Beyond(_policyNetwork) is { } policy)
            throw Diverged(Iteration, $"the forward policy network's weights {policy}", policyRate.Item1, policyRate.Item2, seconds);
        foreach (var network in _objective.Networks)
        {
            if (Beyond(network) is not { } weights) continue;
            bool critic = _objective.Critics.Contains(network);
            throw critic
                ? Diverged(Iteration, $"the critic network's weights {weights}", nameof(GFlowNetTrainerOptions.CriticLearningRate), _options.CriticLearningRate, seconds)
                : Diverged(Iteration, $"an auxiliary network's weights (backward policy or log-flow head) {weights}", nameof(GFlowNetTrainerOptions.PolicyLearningRate), _options.PolicyLearningRate, seconds);
        }
        double logZ = LogZ;
        if (!double.IsFinite(logZ) || Math.Abs(logZ) > DivergenceLimit)
            throw _objective.StepsLogZ
                ? Diverged(Iteration, FormattableString.Invariant($"log Z became {logZ:G4}"), nameof(GFlowNetTrainerOptions.LogZLearningRate), _options.LogZLearningRate, seconds)
                : Diverged(Iteration, FormattableString.Invariant($"log Z (the flow network's F(s0)) became {logZ:G4}"), nameof(GFlowNetTrainerOptions.PolicyLearningRate), _options.PolicyLearningRate, seconds);
        if (!double.IsFinite(loss))
            throw Diverged(Iteration, FormattableString.Invariant($"the loss became {loss}"), policyRate.Item1, policyRate.Item2, seconds);

        static string? Beyond(Mlp network)
        {
            // Two reductions over the weights, no copy of them (this runs after every iteration); NaN propagates through both.
            using var _ = no_grad();
            using var largest = network.Flat.max();
            using var smallest = network.Flat.min();
            float value = Math.Max(Math.Abs(largest.item<float>()), Math.Abs(smallest.item<float>()));
            if (float.IsNaN(value)) return "became NaN";
            return value > DivergenceLimit ? FormattableString.Invariant($"grew to {value:G3}") : null;
        }
    }

    private TrainingDivergedException Diverged(long iteration, string quantity, string option, double value, double seconds)
    {
        _secondsBefore = seconds;
        var final = _history.Count > 0
            ? _history[^1] with { Seconds = seconds }
            : new EvaluationRecord(0, 0, double.NaN, double.NaN, double.NaN, double.NaN, 0, seconds);
        return new TrainingDivergedException(iteration, quantity, option, value, new TrainingResult(final, _history.ToArray(), Completed: false));
    }

    /// <summary>The forward policy π_F as the trainer samples with it (TorchSharp, without gradients): draws objects with
    /// a <see cref="TrajectorySampler"/> without an export. Valid while the trainer lives; not thread-safe.</summary>
    public IPolicy ForwardPolicy => _policy;

    /// <summary>Replaces the forward policy's weights by <paramref name="policy"/>'s (for example a policy exported from
    /// another run, <c>PolicyExport.FromTrainer(other).Policy</c>, to continue from it). The optimizer's moments are kept.</summary>
    /// <exception cref="ArgumentException">The layer widths differ from this trainer's forward policy, or a hidden layer's
    /// activation is not ReLU.</exception>
    public void SetForwardPolicy(PolicyWeights policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        int[] sizes = [policy.InputWidth, .. policy.Layers.Select(l => l.Outputs)];
        if (!sizes.SequenceEqual(_policyNetwork.Sizes))
            throw new ArgumentException($"The policy's layer widths {string.Join('-', sizes)} differ from the trainer's forward policy ({string.Join('-', _policyNetwork.Sizes)}).", nameof(policy));
        if (policy.Layers.SkipLast(1).Any(l => l.Activation != LayerActivation.Relu))
            throw new ArgumentException("Every hidden layer of the policy must use ReLU, as the trainer's networks do.", nameof(policy));
        _policyNetwork.ImportWeights(policy.Layers.SelectMany(l => new[] { l.Weights.ToArray(), l.Bias.ToArray() }).ToArray());
    }

    private Profiler? _profiler;

    /// <summary>Starts (or restarts) profiling the iterations that follow: their sampling and update times, the process's
    /// CPU time and the shape of every matrix product of their network passes, read back through <see cref="Profile"/>.
    /// Evaluations and checkpoints are not profiled. Recording the shapes costs a few list entries per network call.</summary>
    public void StartProfiling() => _profiler = new Profiler(Networks.Count);

    /// <summary>What the iterations since <see cref="StartProfiling"/> cost; null when profiling was never started.</summary>
    public TrainingProfile? Profile => _profiler?.Report(Networks.Select(n => n.Sizes).ToList());

    /// <summary>The forward policy network followed by the objective's networks (the benchmark traces their work).</summary>
    internal IReadOnlyList<Mlp> Networks => [_policyNetwork, .. _objective.Networks];

    /// <summary>One iteration: sample a batch without gradients (keeping the policy's activations), update, advance
    /// counters and ε. Cancellation is honoured between the sampling steps: the sampler's random state is then put back,
    /// so the trainer stays exactly at the end of the previous iteration (a checkpoint then resumes bit-identically).</summary>
    internal double TrainOneIteration(CancellationToken cancellationToken = default)
    {
        using var scope = NewDisposeScope();
        var profiler = _profiler;
        var networks = profiler is null ? null : Networks;
        var cpu = profiler is null ? default : System.Environment.CpuUsage.TotalTime;
        long start = Stopwatch.GetTimestamp();
        TrajectoryBatch batch;
        double loss;
        long sampled;
        try
        {
            _policy.CacheActivations = true;
            profiler?.Trace(networks!, sampling: true);
            ulong[] before = _random.GetState();
            try { batch = _sampler.Sample(_policy, _options.BatchSize, _random, _objective.RequiresOnPolicy ? 0 : _epsilon, cancellationToken); }
            catch (OperationCanceledException)
            {
                _random.SetState(before);
                throw;
            }
            finally { _policy.CacheActivations = false; }
            sampled = Stopwatch.GetTimestamp();
            profiler?.Trace(networks!, sampling: false);
            loss = _objective.Update(batch);
            _losses.Add(loss, _objective.LastCriticLoss);
        }
        finally
        {
            _policy.ClearCache(); // the cached activations die with this iteration's dispose scope
            profiler?.StopTracing(networks!);
        }
        profiler?.Add(batch.Size, Stopwatch.GetElapsedTime(start, sampled), Stopwatch.GetElapsedTime(sampled), System.Environment.CpuUsage.TotalTime - cpu);
        Iteration++;
        Trajectories += batch.Size;
        _epsilon = _options.EpsilonEnd + (_epsilon - _options.EpsilonEnd) * _options.EpsilonDecay;
        RecordModes(batch);
        return loss;
    }

    /// <summary>The exact metrics of the current policy (requires an enumerable environment).</summary>
    public ExactMetrics EvaluateExact()
    {
        if (_space is null) throw new NotSupportedException($"Environment '{_env.Name}' cannot enumerate its states, so exact evaluation is not available.");
        using var threads = TorchThreads.Use(_options.Threads);
        return ExactMetrics.Evaluate(_space, _policy.AllLogProbabilities(_space), LogZ);
    }

    /// <summary>The enumerated state space exact evaluation runs on, or null where the environment is too large to enumerate.</summary>
    public StateSpace? StateSpace => _space;

    /// <summary>The exact terminating distribution P_T of the current policy over <see cref="StateSpace"/>'s terminal states
    /// (aligned with <see cref="Evaluation.StateSpace.Terminals"/>); requires an enumerable environment.</summary>
    public double[] TerminatingDistribution()
    {
        if (_space is null) throw new NotSupportedException($"Environment '{_env.Name}' cannot enumerate its states, so exact evaluation is not available.");
        using var threads = TorchThreads.Use(_options.Threads);
        return Evaluation.TerminatingDistribution.Compute(_space, _policy.AllLogProbabilities(_space));
    }

    /// <summary>log π_F(a|s) of the current policy for every enumerated state (<c>Count · ActionCount</c>).</summary>
    public float[] ForwardLogProbabilities(StateSpace space)
    {
        using var threads = TorchThreads.Use(_options.Threads);
        return _policy.AllLogProbabilities(space);
    }

    /// <summary>Whether evaluations are exact (the environment enumerates its states) or sampled.</summary>
    public bool EvaluatesExactly => _space is not null;

    /// <summary>
    /// The sampled metrics of the current policy: <see cref="GFlowNetTrainerOptions.EvalSamples"/> on-policy trajectories
    /// drawn from a random stream of their own (seeded by the run's seed and the iteration), so that evaluating never
    /// changes the training batches.
    /// </summary>
    public SampledMetrics EvaluateSampled()
    {
        var batch = EvaluationBatch();
        return SampledMetrics.Compute(_env, batch.TerminalStates, batch.LogRewards, _options.TopK);
    }

    /// <summary>log R(x) of the <see cref="GFlowNetTrainerOptions.EvalSamples"/> on-policy samples that
    /// <see cref="EvaluateSampled"/> evaluates at the current iteration (the same draws).</summary>
    public double[] EvaluationLogRewards() => EvaluationBatch().LogRewards;

    private TrajectoryBatch EvaluationBatch()
    {
        using var threads = TorchThreads.Use(_options.Threads);
        var random = new GFlowNetRandom(GFlowNetRandom.Derive(_options.Seed, Iteration, SeedDomain.Evaluation));
        return _sampler.Sample(_policy, _options.EvalSamples, random);
    }

    private EvaluationRecord Evaluate(double seconds)
    {
        if (_space is null)
        {
            var s = EvaluateSampled();
            return new EvaluationRecord(Iteration, Trajectories, double.NaN, double.NaN, LogZ, _env.LogPartition ?? double.NaN, ModesFound, seconds, s,
                _losses.MeanLoss, _losses.MeanCriticLoss);
        }
        var m = EvaluateExact();
        return new EvaluationRecord(Iteration, Trajectories, m.TotalVariation, m.JensenShannon, m.LogZ, m.TrueLogZ, ModesFound, seconds, null,
            _losses.MeanLoss, _losses.MeanCriticLoss);
    }

    private void RecordModes(TrajectoryBatch batch)
    {
        for (int n = 0; n < batch.Size; n++)
        {
            var x = batch.TerminalState(n);
            if (!_env.IsMode(x)) continue;
            if (_modeKeys.Add(string.Join(',', x.ToArray()))) _modes.Add(x.ToArray());
        }
    }

    /// <summary>Writes a checkpoint of the current state into <paramref name="directory"/> (atomically).</summary>
    public void SaveCheckpoint(string directory) => SaveCheckpoint(directory, _secondsBefore);

    /// <summary>The file <see cref="SaveCheckpoint(string)"/> writes in <paramref name="directory"/> (its bytes are the
    /// whole checkpoint: copy them elsewhere and back to resume on another machine).</summary>
    public static string CheckpointPath(string directory) => TrainingCheckpoint.PathIn(directory);

    private void SaveCheckpoint(string directory, double seconds)
    {
        var tensors = new Dictionary<string, float[][]> { ["policy"] = _policyNetwork.ExportWeights(), ["logZ"] = [[(float)LogZ]] };
        var steps = new Dictionary<string, long>();
        AddOptimizer("optimizer.policy", _policyOptimizer);
        for (int i = 0; i < _objective.Networks.Count; i++) tensors[$"objective.network{i}"] = _objective.Networks[i].ExportWeights();
        for (int i = 0; i < _objective.Optimizers.Count; i++) AddOptimizer($"objective.optimizer{i}", _objective.Optimizers[i]);
        new TrainingCheckpoint
        {
            Header = new CheckpointHeader
            {
                Options = _options, Environment = _env.Description, Iteration = Iteration, Trajectories = Trajectories,
                Epsilon = _epsilon, SamplerRandom = _random.GetState(), Seconds = seconds, History = [.. _history],
                ModesFound = [.. _modes], OptimizerSteps = steps, Losses = _losses,
            },
            Tensors = tensors,
        }.Save(directory);

        void AddOptimizer(string name, Adam adam)
        {
            var (count, moments) = adam.ExportState();
            steps[name] = count;
            tensors[name] = moments;
        }
    }

    /// <summary>The header's counters and lists, checked before anything is restored: a crafted checkpoint whose checksum
    /// matches must be refused like a bad command line, not reach the trainer.</summary>
    private void CheckHeader(CheckpointHeader h)
    {
        static void Bad(string what) => throw new InvalidDataException($"The checkpoint's header is malformed: {what}.");
        if (h.Iteration < 0) Bad($"Iteration is {h.Iteration}");
        if (h.Trajectories < 0 || h.Trajectories > h.Iteration * (long)_options.BatchSize) Bad($"Trajectories is {h.Trajectories} after {h.Iteration} iterations of {_options.BatchSize}");
        if (!(h.Epsilon >= 0 && h.Epsilon <= 1)) Bad($"Epsilon is {h.Epsilon}, not in [0, 1]");
        if (!(h.Seconds >= 0) || double.IsInfinity(h.Seconds)) Bad($"Seconds is {h.Seconds}");
        if (h.SamplerRandom is not { Length: 4 } words || words.All(w => w == 0)) Bad("SamplerRandom is not a generator state (four words, not all zero)");
        if (h.History is null || h.History.Count == 0) Bad("History is empty (it starts with the evaluation at iteration 0)");
        long previous = -1;
        foreach (var e in h.History!)
        {
            if (e is null || e.Iteration <= previous || e.Iteration > h.Iteration) Bad("History's iterations do not increase up to the checkpoint's");
            previous = e!.Iteration;
        }
        if (h.ModesFound is null || h.ModesFound.Any(m => m is null || m.Length != _env.StateWidth))
            Bad($"ModesFound holds a state that is not {_env.StateWidth} integers");
        if (h.OptimizerSteps is null || h.OptimizerSteps.Values.Any(n => n < 0)) Bad("OptimizerSteps holds a negative count");
    }

    private void Restore(TrainingCheckpoint checkpoint)
    {
        var h = checkpoint.Header;
        CheckHeader(h);
        var t = checkpoint.Tensors;
        float[][] Group(string name) => t.TryGetValue(name, out var g) ? g : throw new InvalidDataException($"The checkpoint lacks '{name}'.");
        long Steps(string name) => h.OptimizerSteps.TryGetValue(name, out long n) ? n : throw new InvalidDataException($"The checkpoint lacks the step count of '{name}'.");
        _policyNetwork.ImportWeights(Group("policy"));
        using (no_grad())
        using (var logZ = Group("logZ")[0][0].ToScalar()) // an explicit Scalar, alive through the native call
            _logZ.fill_(logZ);
        _policyOptimizer.ImportState(Steps("optimizer.policy"), Group("optimizer.policy"));
        for (int i = 0; i < _objective.Networks.Count; i++) _objective.Networks[i].ImportWeights(Group($"objective.network{i}"));
        for (int i = 0; i < _objective.Optimizers.Count; i++)
            _objective.Optimizers[i].ImportState(Steps($"objective.optimizer{i}"), Group($"objective.optimizer{i}"));
        Iteration = h.Iteration;
        Trajectories = h.Trajectories;
        _epsilon = h.Epsilon;
        _random.SetState(h.SamplerRandom);
        _secondsBefore = h.Seconds;
        _history.Clear();
        _history.AddRange(h.History);
        _losses = h.Losses;
        _modes.Clear(); _modeKeys.Clear();
        foreach (var m in h.ModesFound) if (_modeKeys.Add(string.Join(',', m))) _modes.Add(m);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _objective.Dispose();
        _policyOptimizer.Dispose();
        _policyNetwork.Dispose();
        _logZ.Dispose();
    }
}
