using System.Globalization;
using System.Text.Json;
using GFlowNetML.Cluster.Grains;
using GFlowNetML.Onnx;
using GFlowNetML.Torch.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace GFlowNetML.Cluster;

/// <summary>
/// A client of a GFlowNetML cluster (silos started with <c>gflownet silo</c> or <see cref="GFlowNetSiloHost"/>): submits
/// runs, reports their progress and returns their results, which are those of the same runs in one process, bit for bit.
/// </summary>
/// <example><code>
/// await using var cluster = await GFlowNetCluster.ConnectAsync("redis://127.0.0.1:6379");
/// var env = new HyperGrid(2, 8);
/// var runs = new[] { 0L, 1, 2 }.Select(seed => RunSpec.Create($"tb seed {seed}", env,
///     new GFlowNetTrainerOptions { Method = TrainingMethod.TrajectoryBalance, Iterations = 200, Seed = seed })).ToList();
/// var results = await cluster.RunAsync(runs, new Progress&lt;ClusterRunProgress&gt;(p => Console.WriteLine($"{p.Name}: {p.Iteration}")));
/// </code></example>
public sealed class GFlowNetCluster : IAsyncDisposable, IDisposable
{
    private readonly IHost _host;
    private readonly IRunQueueGrain _queue;
    private readonly GFlowNetClusterOptions _options;

    private GFlowNetCluster(string name, IHost host, GFlowNetClusterOptions options)
    {
        Name = name;
        _host = host;
        _options = options;
        _queue = host.Services.GetRequiredService<IClusterClient>().GetGrain<IRunQueueGrain>(SiloWorker.QueueKey);
    }

    /// <summary>The cluster's name in messages: its connection string (<c>redis://HOST:PORT</c>, <c>localhost</c>).</summary>
    public string Name { get; }

    /// <summary>Connects to the cluster at <paramref name="connection"/> (<c>redis://HOST:PORT</c> or <c>localhost</c>).</summary>
    /// <param name="connection">The connection string (<see cref="ClusterConnection.Parse"/>).</param>
    /// <param name="options">Timeouts and the log; null for the defaults.</param>
    /// <param name="cancellationToken">Stops connecting.</param>
    /// <exception cref="ArgumentException">The connection string is malformed.</exception>
    /// <exception cref="ClusterUnreachableException">Redis or every silo's gateway did not answer within
    /// <see cref="GFlowNetClusterOptions.ConnectTimeout"/>.</exception>
    public static Task<GFlowNetCluster> ConnectAsync(string connection, GFlowNetClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        var parsed = ClusterConnection.Parse(connection);
        return ConnectAsync(parsed.ToString(), client =>
        {
            if (parsed.IsRedis)
            {
                var redis = ConfigurationOptions.Parse(parsed.RedisConfiguration);
                client.UseRedisClustering(o => o.ConfigurationOptions = redis);
            }
            else client.UseLocalhostClustering();
        }, options, cancellationToken);
    }

    /// <summary>Connects to a cluster whose membership <paramref name="clustering"/> configures (any Orleans provider, as
    /// the silos' <see cref="GFlowNetSiloHost.Build(Action{ISiloBuilder}, GFlowNetSiloOptions)"/>).</summary>
    /// <param name="name">The cluster's name in messages.</param>
    /// <param name="clustering">Configures the client's gateway list provider, e.g. <c>client => client.UseAdoNetClustering(o => ...)</c>.</param>
    /// <param name="options">Timeouts and the log; null for the defaults.</param>
    /// <param name="cancellationToken">Stops connecting.</param>
    /// <exception cref="ClusterUnreachableException">No gateway answered within <see cref="GFlowNetClusterOptions.ConnectTimeout"/>.</exception>
    public static async Task<GFlowNetCluster> ConnectAsync(string name, Action<IClientBuilder> clustering, GFlowNetClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(clustering);
        options ??= new GFlowNetClusterOptions();
        options.Validate();
        var host = new HostBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.None))
            .UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(ClusterMembership.Configure);
                client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
                clustering(client);
            })
            .Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            await host.StartAsync(timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
            var cluster = new GFlowNetCluster(name, host, options);
            // One call through a gateway: a client connected to no live silo fails here, not in the first job.
            await cluster._queue.Status("").WaitAsync(timeout.Token).ConfigureAwait(false);
            return cluster;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            string why = e is OperationCanceledException ? string.Create(CultureInfo.InvariantCulture, $"no answer within {options.ConnectTimeout.TotalSeconds:0.#} s") : FirstSentence(RunExecution.OneLine(e));
            throw new ClusterUnreachableException(
                $"cannot reach the cluster at {name}: {why} (is redis-server running there, and at least one 'gflownet silo --cluster {name}' started?)", e);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="runs"/> on the cluster's silos and returns their results in the order given.</summary>
    /// <param name="runs">The runs (<see cref="RunSpec.Create"/>).</param>
    /// <param name="progress">Told of every change in a run (started, progress, moved to another silo, finished with its result).</param>
    /// <param name="cancellationToken">Cancels the job: its runs stop on their silos and the call throws
    /// <see cref="OperationCanceledException"/> (the runs that finished were reported through <paramref name="progress"/>).</param>
    /// <exception cref="ClusterRunFailedException">A run failed on its silo; the others were stopped.</exception>
    /// <exception cref="ClusterUnreachableException">No silo answered for <see cref="GFlowNetClusterOptions.SiloWaitTimeout"/>.</exception>
    public async Task<IReadOnlyList<ClusterRunResult>> RunAsync(IReadOnlyList<RunSpec> runs, IProgress<ClusterRunProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) return [];
        string jobId = Guid.NewGuid().ToString("N");
        var results = new ClusterRunResult?[runs.Count];
        var last = new ClusterRunProgress?[runs.Count];
        await Call(() => _queue.Submit(jobId, [.. runs]).ContinueWith(_ => true, TaskScheduler.Default), Unfinished, cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var status = await Call(() => _queue.Status(jobId), Unfinished, cancellationToken).ConfigureAwait(false)
                    ?? throw new ClusterUnreachableException($"the cluster at {Name} lost job {jobId} (was its Redis storage flushed?).");
                foreach (var s in status)
                {
                    if (s.State == RunState.Failed)
                        throw new ClusterRunFailedException(runs[s.Index].Name, $"run '{runs[s.Index].Name}' failed on silo {s.Silo}: {s.Error}");
                    if (s.State == RunState.Finished && results[s.Index] is null)
                    {
                        var outcome = await Call(() => _queue.Outcome(jobId, s.Index), Unfinished, cancellationToken).ConfigureAwait(false);
                        if (outcome is null) continue;
                        var result = JsonSerializer.Deserialize<TrainingResult>(outcome.Result, ClusterJson.Options)!;
                        results[s.Index] = new ClusterRunResult(s.Index, runs[s.Index], result, outcome.Sampler, outcome.Silo, outcome.Attempts, outcome.ResumedFrom);
                    }
                    var report = new ClusterRunProgress(s.Index, runs[s.Index].Name, (ClusterRunState)s.State,
                        results[s.Index]?.Result.Final.Iteration ?? s.Iteration, s.ExactTotalVariation, s.Silo, s.Attempts, results[s.Index]);
                    if (report != last[s.Index] && !(s.State == RunState.Finished && results[s.Index] is null))
                    {
                        last[s.Index] = report;
                        progress?.Report(report);
                    }
                }
                if (results.All(r => r is not null))
                {
                    await Forget(jobId).ConfigureAwait(false);
                    return results!;
                }
                await Task.Delay(_options.PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ClusterRunFailedException)
        {
            await Forget(jobId, cancel: true).ConfigureAwait(false);
            throw;
        }

        IEnumerable<string> Unfinished() => runs.Where((r, i) => results[i] is null).Select(r => r.Name);
    }

    /// <summary>How long one sampling call may take before it is drawn again elsewhere.</summary>
    private static readonly TimeSpan SampleCallTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Draws <paramref name="count"/> samples of <paramref name="model"/> for <paramref name="seed"/> on the silos,
    /// <paramref name="chunkSize"/> per call, spread over the silos, and yields them in index order: exactly the samples of
    /// <see cref="SamplerSession.SampleBatches"/> in one process (on the CPU). A chunk whose silo dies is drawn again on another.</summary>
    /// <param name="model">The sampler model's bytes (<see cref="SamplerModel.ToArray"/>).</param>
    /// <param name="count">The number of samples (at least 1).</param>
    /// <param name="seed">The seed.</param>
    /// <param name="mode">How the silos sample.</param>
    /// <param name="chunkSize">Samples per call (at least 1). Default 10,000.</param>
    /// <param name="cancellationToken">Stops between chunks.</param>
    /// <exception cref="ClusterUnreachableException">No silo answered for <see cref="GFlowNetClusterOptions.SiloWaitTimeout"/>.</exception>
    public async IAsyncEnumerable<IReadOnlyList<GFlowNetSample>> SampleAsync(byte[] model, int count, long seed, SamplingMode mode = SamplingMode.Auto,
        int chunkSize = 10_000, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        SamplerModel.FromBytes(model); // a model that does not read fails here, not on every silo
        string jobId = Guid.NewGuid().ToString("N");
        int chunks = (int)((count + (long)chunkSize - 1) / chunkSize);
        int window = 8; // calls in flight: enough to keep several silos busy, bounded memory
        var pending = new Queue<Task<SampleChunk>>();
        var client = _host.Services.GetRequiredService<IClusterClient>();
        int next = 0;
        Task<SampleChunk> Start(int chunk)
        {
            int first = chunk * chunkSize, rows = Math.Min(chunkSize, count - first);
            int attempt = 0;
            return Call(() => client.GetGrain<ISamplingGrain>($"{jobId}/{chunk}/{attempt++}").Sample(model, seed, first, rows, (int)mode),
                () => [string.Create(CultureInfo.InvariantCulture, $"samples {first}-{first + rows - 1}")], cancellationToken, SampleCallTimeout);
        }
        while (next < chunks && pending.Count < window) pending.Enqueue(Start(next++));
        while (pending.Count > 0)
        {
            var chunk = await pending.Dequeue().ConfigureAwait(false);
            if (next < chunks) pending.Enqueue(Start(next++));
            yield return chunk.ToSamples();
        }
    }

    /// <summary>Calls the queue; while no silo answers, retries for up to <see cref="GFlowNetClusterOptions.SiloWaitTimeout"/>
    /// (saying so through the log), then gives up naming the unfinished runs.</summary>
    private async Task<T> Call<T>(Func<Task<T>> call, Func<IEnumerable<string>> unfinished, CancellationToken cancellationToken, TimeSpan? callTimeout = null)
    {
        DateTime? since = null;
        while (true)
        {
            try
            {
                var value = await call().WaitAsync(callTimeout ?? TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
                if (since is not null) _options.Log?.Invoke($"the cluster at {Name} answers again");
                return value;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var now = DateTime.UtcNow;
                if (since is null)
                {
                    since = now;
                    _options.Log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                        $"no silo of the cluster at {Name} answers ({RunExecution.OneLine(e)}); waiting up to {_options.SiloWaitTimeout.TotalSeconds:0} s for one"));
                }
                else if (now - since > _options.SiloWaitTimeout)
                    throw new ClusterUnreachableException(string.Create(CultureInfo.InvariantCulture,
                        $"no silo of the cluster at {Name} answered for {_options.SiloWaitTimeout.TotalSeconds:0} s; unfinished runs: {string.Join(", ", unfinished())}"), e);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task Forget(string jobId, bool cancel = false)
    {
        try
        {
            if (cancel) await _queue.Cancel(jobId).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            await _queue.Forget(jobId).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Its results are in hand (or it was cancelled); a job left behind costs a few bytes of storage, and a silo
            // that cannot be told stops at its lease timeout.
        }
    }

    /// <summary>Disconnects from the cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        try { await _host.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); }
        catch (Exception) { } // a cluster that went away cannot be told goodbye
        _host.Dispose();
    }

    /// <summary>Disconnects from the cluster (blocking).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>The first sentence of a driver's message: StackExchange.Redis appends advice on its own connection-string
    /// options (abortConnect=false, ...) that means nothing to a user of the tool.</summary>
    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }
}
