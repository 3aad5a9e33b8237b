// Each snippet runs in this process with Console.Out captured and the working directory set to a folder of its own,
// both process-wide: run the snippets one at a time.
[assembly: DoNotParallelize]

namespace GFlowNetML.Docs.Tests;

[TestClass]
public static class DocsTestSetup
{
    /// <summary>One torch thread: the snippets' printed numbers are reproducible, and no libgomp spin-wait on small machines.</summary>
    [AssemblyInitialize]
    public static void Initialize(TestContext _) => TorchSharp.torch.set_num_threads(1);
}
