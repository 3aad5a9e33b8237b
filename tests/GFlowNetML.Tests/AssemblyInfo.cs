[assembly: Parallelize(Scope = ExecutionScope.MethodLevel)]

namespace GFlowNetML.Tests;

[TestClass]
public static class TorchSetup
{
    /// <summary>One torch thread: reproducible numbers and no libgomp spin-wait collapse on small CI machines.</summary>
    [AssemblyInitialize]
    public static void Initialize(TestContext _) => TorchSharp.torch.set_num_threads(1);
}
