using GFlowNetML.Environments;
using GFlowNetML.Onnx.Graphs;
using GFlowNetML.Sampling;
using Microsoft.ML.OnnxRuntime;

namespace GFlowNetML.Onnx;

/// <summary>
/// A loaded sampler model on ONNX Runtime: draws objects with their log-probability under the sampler and their
/// log-reward, on CUDA when it opens (or as asked) and on the CPU otherwise. Whole trajectories run inside one ONNX
/// Runtime call per batch where the environment has an ONNX step graph (hyper-grid, sequences, DAGs, bit sequences); any
/// environment can be sampled by the host-driven loop (one policy call per step for the whole batch). <see cref="SamplingMode.Auto"/>
/// runs whole trajectories on CUDA and the host loop on the CPU, where it measured as fast or faster (it drops finished rows,
/// while the ONNX loop steps every row until the last one exits).
/// </summary>
/// <remarks>Thread-safe: the sessions are only read (ONNX Runtime's <c>Run</c> is thread-safe) and every call
/// allocates its own buffers. The samples depend on the seed and their index only, not on the batch size or the
/// mode (both modes read the same uniforms, <see cref="TrajectoryRandom"/>; the modes can differ only where two actions'
/// Gumbel scores tie to within float rounding). Sample i of seed S is the object an ML.NET row with seed
/// <see cref="GFlowNetRandom.Derive"/>(S, i, <see cref="SeedDomain.SampleRow"/>) gets from the fitted transformer.</remarks>
public sealed class SamplerSession : IDisposable
{
    private readonly InferenceSession _policy;
    private readonly InferenceSession? _trajectories;
    private readonly SamplerSessionOptions _options;
    private int _disposed;
    private int _nativeCalls; // ONNX Runtime calls in progress; Dispose waits for them

    private SamplerSession(SamplerModel model, GFlowNetEnvironment environment, SamplerSessionOptions options)
    {
        Model = model;
        Environment = environment;
        _options = options;
        byte[]? trajectoryModel = model.TrajectoryModel(environment);
        try
        {
            if (options.Device != SamplerDevice.Cpu)
            {
                string? error = null;
                var cuda = OrtRuntime.TryOpenCuda(model.Bytes, options, out error);
                var cudaTrajectories = cuda is not null && trajectoryModel is not null ? OrtRuntime.TryOpenCuda(trajectoryModel, options, out error) : null;
                if (cuda is not null && (trajectoryModel is null || cudaTrajectories is not null))
                {
                    _policy = cuda;
                    _trajectories = cudaTrajectories;
                    Device = SamplerDevice.Cuda;
                    DeviceReason = $"CUDA device {options.GpuDeviceId}" + (options.Device == SamplerDevice.Auto ? " (a CUDA session opened)" : "");
                    return;
                }
                cuda?.Dispose();
                if (options.Device == SamplerDevice.Cuda)
                    throw new InvalidOperationException($"CUDA was requested but no CUDA session could be opened for '{model.Source}': {error}");
                DeviceReason = $"CPU: CUDA is not available ({error})";
            }
            else DeviceReason = "CPU (requested)";
            _policy = OrtRuntime.OpenCpu(model.Bytes, options);
            _trajectories = trajectoryModel is null ? null : OrtRuntime.OpenCpu(trajectoryModel, options);
            Device = SamplerDevice.Cpu;
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"'{model.Source}' is not a usable GFlowNetML sampler model: ONNX Runtime cannot load it: {e.Message}", e);
        }
    }

    /// <summary>Loads a sampler model file.</summary>
    /// <param name="path">The .onnx file written by <see cref="SamplerModel.Save"/> or <c>gflownet export</c>.</param>
    /// <param name="options">Device and batching; null takes the defaults (<see cref="SamplerDevice.Auto"/>).</param>
    /// <param name="environment">The environment instance, for a model trained on a custom environment; null recreates
    /// the built-in environment the file names.</param>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">A truncated or corrupt file, an ONNX model without GFlowNetML metadata, or a
    /// newer format version.</exception>
    /// <exception cref="InvalidOperationException"><see cref="SamplerDevice.Cuda"/> was requested and CUDA does not open.</exception>
    public static SamplerSession Load(string path, SamplerSessionOptions? options = null, GFlowNetEnvironment? environment = null)
        => Load(SamplerModel.Load(path), options, environment);

    /// <summary>Opens a session for a sampler model already read.</summary>
    /// <inheritdoc cref="Load(string, SamplerSessionOptions?, GFlowNetEnvironment?)"/>
    public static SamplerSession Load(SamplerModel model, SamplerSessionOptions? options = null, GFlowNetEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options = (options ?? new SamplerSessionOptions()).Clone();
        options.Validate();
        if (environment is null) environment = model.CreateEnvironment();
        else if (!model.Describes(environment))
            throw new ArgumentException($"The sampler model '{model.Source}' was trained on {model.EnvironmentDescription}, not on {environment.Description}.", nameof(environment));
        return new SamplerSession(model, environment, options);
    }

    /// <summary>The model.</summary>
    public SamplerModel Model { get; }

    /// <summary>The environment the samples belong to.</summary>
    public GFlowNetEnvironment Environment { get; }

    /// <summary>The device actually used: <see cref="SamplerDevice.Cpu"/> or <see cref="SamplerDevice.Cuda"/>.</summary>
    public SamplerDevice Device { get; }

    /// <summary>Why that device, e.g. <c>CPU: CUDA is not available (…)</c>.</summary>
    public string DeviceReason { get; }

    /// <summary>Whether the environment's whole trajectory loop runs inside ONNX Runtime (<see cref="SamplingMode.WholeTrajectory"/>).</summary>
    public bool SupportsWholeTrajectory => _trajectories is not null;

    /// <summary>The mode <paramref name="mode"/> runs as on this session: <see cref="SamplingMode.Auto"/> becomes
    /// <see cref="SamplingMode.WholeTrajectory"/> on CUDA where the environment has an ONNX step graph, else
    /// <see cref="SamplingMode.HostLoop"/>.</summary>
    public SamplingMode Resolve(SamplingMode mode)
        => mode != SamplingMode.Auto ? mode
            : _trajectories is not null && Device == SamplerDevice.Cuda ? SamplingMode.WholeTrajectory : SamplingMode.HostLoop;

    /// <summary>The most samples <see cref="Sample"/> returns in one list (10⁸); <see cref="SampleBatches"/> streams any
    /// count in memory bounded by one batch.</summary>
    public const int MaxListedSamples = 100_000_000;

    /// <summary>Draws <paramref name="count"/> objects into one list (use <see cref="SampleBatches"/> to stream large counts).</summary>
    /// <param name="count">The number of samples, 1 to <see cref="MaxListedSamples"/>.</param>
    /// <param name="seed">The seed; the same seed gives the same samples.</param>
    /// <param name="mode">How to sample; <see cref="SamplingMode.WholeTrajectory"/> needs <see cref="SupportsWholeTrajectory"/>.</param>
    /// <param name="progress">Receives the number of samples drawn so far after every batch.</param>
    /// <param name="cancellationToken">Stops between batches, and between steps of a host-driven batch.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is out of range or <paramref name="mode"/> undefined.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public IReadOnlyList<GFlowNetSample> Sample(int count, long seed, SamplingMode mode = SamplingMode.Auto,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        if (count > MaxListedSamples)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be at most {MaxListedSamples:N0} for one list; SampleBatches streams larger draws in bounded memory.");
        var samples = new List<GFlowNetSample>(Math.Max(count, 0));
        foreach (var batch in SampleBatches(count, seed, mode, cancellationToken))
        {
            samples.AddRange(batch);
            progress?.Report(samples.Count);
        }
        return samples;
    }

    /// <summary>Draws <paramref name="count"/> objects batch by batch (<see cref="SamplerSessionOptions.BatchSize"/> each, or
    /// fewer for the whole-trajectory graph), so memory stays bounded by one batch whatever the count; the samples are the
    /// same as <see cref="Sample"/>'s for the seed. Arguments are checked when called, not when enumerated.</summary>
    /// <param name="count">The number of samples (at least 1).</param>
    /// <param name="seed">The seed.</param>
    /// <param name="mode">How to sample.</param>
    /// <param name="cancellationToken">Stops between batches, and between steps of a host-driven batch.</param>
    public IEnumerable<IReadOnlyList<GFlowNetSample>> SampleBatches(int count, long seed, SamplingMode mode = SamplingMode.Auto,
        CancellationToken cancellationToken = default) => SampleRange(0, count, seed, mode, cancellationToken);

    /// <summary>Draws the samples of indices <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> − 1
    /// of the seed's draw, batch by batch: sample i has a random stream of its own, so it is the i-th sample of
    /// <see cref="SampleBatches"/> for the seed whatever the range, and ranges drawn apart (by several processes or
    /// machines) join into exactly one draw.</summary>
    /// <param name="first">The index of the first sample (at least 0).</param>
    /// <param name="count">The number of samples (at least 1; <paramref name="first"/> + <paramref name="count"/> fits an int).</param>
    /// <param name="seed">The seed.</param>
    /// <param name="mode">How to sample.</param>
    /// <param name="cancellationToken">Stops between batches, and between steps of a host-driven batch.</param>
    public IEnumerable<IReadOnlyList<GFlowNetSample>> SampleRange(int first, int count, long seed, SamplingMode mode = SamplingMode.Auto,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (first < 0) throw new ArgumentOutOfRangeException(nameof(first), first, "first must be at least 0.");
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be at least 1.");
        if (count > int.MaxValue - first) throw new ArgumentOutOfRangeException(nameof(count), count, $"first + count must be at most {int.MaxValue}.");
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "mode must be Auto, WholeTrajectory or HostLoop.");
        if (mode == SamplingMode.WholeTrajectory && _trajectories is null)
            throw new ArgumentException($"{Environment.Name} has no ONNX step graph, so whole-trajectory sampling is not available; use HostLoop or Auto.", nameof(mode));
        return Batches(first, count, seed, Resolve(mode) == SamplingMode.WholeTrajectory, _options.BatchSize, cancellationToken);
    }

    private IEnumerable<IReadOnlyList<GFlowNetSample>> Batches(int first, int count, long seed, bool whole, int batchSize, CancellationToken cancellationToken)
    {
        int width = Environment.StateWidth;
        for (int done = 0; done < count; done += batchSize)
        {
            int start = first + done;
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            int rows = Math.Min(batchSize, count - done);
            var states = new int[checked(rows * width)];
            var logProbabilities = new double[rows];
            var lengths = new int[rows];
            if (whole) SampleWhole(start, rows, seed, states, logProbabilities, lengths, cancellationToken);
            else HostDrivenSampler.Sample(this, start, rows, seed, states, logProbabilities, lengths, cancellationToken);
            var logRewards = new double[rows];
            Environment.LogReward(states, logRewards);
            var names = (Environment as SequenceEnvironment)?.Reward;
            var samples = new GFlowNetSample[rows];
            for (int i = 0; i < rows; i++)
            {
                var x = states.AsSpan(i * width, width);
                samples[i] = new GFlowNetSample(x.ToArray(), Environment.Format(x), logProbabilities[i], logRewards[i], lengths[i]) { Blocks = names?.FormatNames(x) };
            }
            yield return samples;
        }
    }

    /// <summary>log π_F(a|s) of the model for a batch of states (<c>n · StateWidth</c> integers), <c>n · ActionCount</c>
    /// values, −∞ for disallowed actions: the policy graph on this session's device.</summary>
    public float[] LogProbabilities(ReadOnlySpan<int> states)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        int width = Environment.StateWidth;
        if (states.Length == 0 || states.Length % width != 0)
            throw new ArgumentException($"Expected a non-empty whole number of states of {width} integers; got {states.Length} integers.", nameof(states));
        int rows = states.Length / width;
        var features = new float[rows * Environment.EncodingWidth];
        var masks = new bool[rows * Environment.ActionCount];
        Environment.Encode(states, features);
        Environment.ForwardMasks(states, masks);
        var result = new float[rows * Environment.ActionCount];
        RunPolicy(features, masks, rows, result);
        return result;
    }

    /// <summary>Runs the policy graph: log π_F for encoded states and masks (−∞ where disallowed).</summary>
    internal void RunPolicy(float[] features, bool[] masks, int rows, Span<float> logProbabilities)
    {
        int actions = Environment.ActionCount;
        EnterNative();
        try
        {
            using var featureValue = OrtValue.CreateTensorValueFromMemory(features, [rows, Environment.EncodingWidth]);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(masks, [rows, actions]);
            using var runOptions = new RunOptions();
            using var outputs = _policy.Run(runOptions, [SamplerModel.FeaturesInput, SamplerModel.MaskInput], [featureValue, maskValue], [SamplerModel.LogProbabilitiesOutput]);
            var values = outputs[0].GetTensorDataAsSpan<float>();
            for (int i = 0; i < rows * actions; i++) logProbabilities[i] = masks[i] ? values[i] : float.NegativeInfinity;
        }
        finally { ExitNative(); }
    }

    private void SampleWhole(int start, int rows, long seed, Span<int> states, Span<double> logProbabilities, Span<int> lengths,
        CancellationToken cancellationToken = default)
    {
        var seeds = new long[rows];
        for (int i = 0; i < rows; i++) seeds[i] = GFlowNetRandom.Derive(seed, start + i, SeedDomain.SampleRow);
        RunTrajectories(start, rows, seeds, states, logProbabilities, lengths, cancellationToken);
    }

    /// <summary>The whole-trajectory graph's one call on given row seeds, counted as a native call in progress (see
    /// <see cref="Dispose"/>).</summary>
    internal void RunTrajectories(int start, int rows, long[] seeds, Span<int> states, Span<double> logProbabilities, Span<int> lengths,
        CancellationToken cancellationToken)
    {
        EnterNative();
        try { ReadTrajectories(start, rows, seeds, states, logProbabilities, lengths, cancellationToken); }
        finally { ExitNative(); }
    }

    private void ReadTrajectories(int start, int rows, long[] seeds, Span<int> states, Span<double> logProbabilities, Span<int> lengths,
        CancellationToken cancellationToken)
    {
        int steps = Environment.MaxTrajectoryLength, width = Environment.StateWidth;
        using var seedValue = OrtValue.CreateTensorValueFromMemory(seeds, [rows, 1]);
        using var runOptions = new RunOptions();
        // Cancellation inside the one long call: ONNX Runtime checks the terminate flag between nodes and fails the run.
        using var registration = cancellationToken.Register(() => runOptions.Terminate = true);
        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            outputs = _trajectories!.Run(runOptions, [TrajectoryGraph.Seed], [seedValue],
                [TrajectoryGraph.TerminalStates, TrajectoryGraph.LogProbability, TrajectoryGraph.Length, TrajectoryGraph.Finished]);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        using var _ = outputs;
        var terminal = outputs[0].GetTensorDataAsSpan<long>();
        var logp = outputs[1].GetTensorDataAsSpan<float>();
        var length = outputs[2].GetTensorDataAsSpan<long>();
        var finished = outputs[3].GetTensorDataAsSpan<bool>();
        for (int i = 0; i < rows; i++)
        {
            if (!finished[i])
                throw new InvalidOperationException($"Sample {start + i} did not exit within {steps} steps (the environment's MaxTrajectoryLength).");
            for (int k = 0; k < width; k++) states[i * width + k] = checked((int)terminal[i * width + k]);
            logProbabilities[i] = logp[i];
            lengths[i] = (int)length[i];
        }
    }

    /// <summary>Marks one ONNX Runtime call as in progress, or throws <see cref="ObjectDisposedException"/> once the session
    /// is disposed (the check follows the increment, so <see cref="Dispose"/> either waits for this call or this call sees it).</summary>
    private void EnterNative()
    {
        Interlocked.Increment(ref _nativeCalls);
        if (Volatile.Read(ref _disposed) == 0) return;
        Interlocked.Decrement(ref _nativeCalls);
        throw new ObjectDisposedException(nameof(SamplerSession), "The sampler session was disposed while sampling.");
    }

    private void ExitNative() => Interlocked.Decrement(ref _nativeCalls);

    /// <summary>Releases the ONNX Runtime sessions. Safe while other threads sample: the ONNX Runtime calls in progress finish
    /// first (Dispose waits for them), and every later call on the session, including the next batch of a
    /// <see cref="Sample"/> in progress, throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        var wait = new SpinWait();
        while (Volatile.Read(ref _nativeCalls) != 0) wait.SpinOnce(sleep1Threshold: 20);
        _policy.Dispose();
        _trajectories?.Dispose();
    }
}
