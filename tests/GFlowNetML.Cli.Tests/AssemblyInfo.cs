// Console.SetOut/SetError are process-wide and torch is configured per process: run the tests one at a time.
[assembly: DoNotParallelize]

namespace GFlowNetML.Cli.Tests;

[TestClass]
public static class CliTestSetup
{
    /// <summary>One torch thread for the in-process runs: reproducible numbers, no libgomp spin-wait on small machines.</summary>
    [AssemblyInitialize]
    public static void Initialize(TestContext _) => TorchSharp.torch.set_num_threads(1);
}
