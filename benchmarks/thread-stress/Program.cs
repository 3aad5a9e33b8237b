// N trainers on N threads (methods rl-b, rl-t, db, fm in turn) plus one thread looping GC.Collect() and
// GC.WaitForPendingFinalizers(), for a given number of seconds. Prints "OK" when the time is up; a native crash
// (libtorch's "Expected false to be true" from c10::Scalar::toFloat, or a segmentation fault) kills the process instead;
// an exception on a trainer thread (TorchSharp turns some libtorch errors into ExternalException) prints CRASHED and
// exits with 1 at once.
//
//   dotnet run -c Release --project benchmarks/thread-stress -- [threads=4] [seconds=180]
using System.Diagnostics;
using GFlowNetML.Environments;
using GFlowNetML.Torch.Training;

int threads = args.Length > 0 ? int.Parse(args[0]) : 4;
double seconds = args.Length > 1 ? double.Parse(args[1]) : 180;
TrainingMethod[] methods = [TrainingMethod.PolicyGradientBackward, TrainingMethod.TrustRegion, TrainingMethod.DetailedBalance, TrainingMethod.FlowMatching];

var clock = Stopwatch.StartNew();
var deadline = TimeSpan.FromSeconds(seconds);
long runs = 0, collections = 0;

var workers = Enumerable.Range(0, threads).Select(k => new Thread(() =>
{
    try
    {
        TorchSharp.torch.set_num_threads(1); // libtorch keeps the setting per thread
        var method = methods[k % methods.Length];
        for (long seed = k; clock.Elapsed < deadline; seed += threads)
        {
            using var trainer = new GFlowNetTrainer(new HyperGrid(2, 8, r0: 0.01), new GFlowNetTrainerOptions
            {
                Method = method, Iterations = 40, BatchSize = 16, Seed = seed, EvalEvery = 20,
                PolicyHiddenLayers = 2, PolicyHiddenWidth = 32, CriticHiddenLayers = 1, CriticHiddenWidth = 32,
            });
            trainer.Train();
            Interlocked.Increment(ref runs);
        }
    }
    catch (Exception e)
    {
        Console.WriteLine($"CRASHED after {clock.Elapsed.TotalSeconds:F1} s on {Thread.CurrentThread.Name}: {e}");
        Environment.Exit(1);
    }
}) { IsBackground = true, Name = $"trainer {k}" }).ToList();

var collector = new Thread(() =>
{
    while (clock.Elapsed < deadline)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Interlocked.Increment(ref collections);
    }
}) { IsBackground = true, Name = "collector" };

Console.WriteLine($"{threads} trainers ({string.Join(", ", Enumerable.Range(0, threads).Select(k => methods[k % methods.Length]))}) + GC thread for {seconds} s");
workers.ForEach(t => t.Start());
collector.Start();
for (int report = 1; workers.Any(t => t.IsAlive); report++)
{
    while (clock.Elapsed < TimeSpan.FromSeconds(15 * report) && workers.Any(t => t.IsAlive)) Thread.Sleep(200);
    Console.WriteLine($"{clock.Elapsed.TotalSeconds,6:F0} s: {Interlocked.Read(ref runs)} runs, {Interlocked.Read(ref collections)} collections");
}
collector.Join();
Console.WriteLine($"OK: {runs} runs, {collections} collections in {clock.Elapsed.TotalSeconds:F0} s, no crash");
return 0;
