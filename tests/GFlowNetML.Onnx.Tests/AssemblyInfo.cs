// Torch trains the reference policies (one thread) and one test redirects file descriptor 2: one test at a time.
[assembly: DoNotParallelize]

namespace GFlowNetML.Onnx.Tests;

[TestClass]
public static class OnnxTestSetup
{
    /// <summary>One torch thread: reproducible numbers and no libgomp spin-wait collapse on small CI machines.</summary>
    [AssemblyInitialize]
    public static void Initialize(TestContext _) => TorchSharp.torch.set_num_threads(1);
}
