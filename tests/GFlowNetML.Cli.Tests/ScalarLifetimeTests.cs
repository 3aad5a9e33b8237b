namespace GFlowNetML.Cli.Tests;

[TestClass]
public sealed class ScalarLifetimeTests
{
    /// <summary>The CLI and the ML.NET assembly pass TorchSharp no Scalar temporaries either (see
    /// GFlowNetML.Torch.Tests' <c>ScalarTemporaries</c>, linked here).</summary>
    [TestMethod]
    [DataRow("gflownet")] // GFlowNetML.Cli
    [DataRow("GFlowNetML")]
    public void NoTorchCallGetsAnUnreferencedScalarTemporary(string assemblyName)
    {
        var offences = GFlowNetML.Torch.Tests.ScalarTemporaries.Find(System.Reflection.Assembly.Load(assemblyName));
        if (offences.Count > 0)
            Assert.Fail($"{offences.Count} Scalar temporaries (use a `using var s = x.ToScalar();` local instead):\n" + string.Join("\n", offences));
    }
}
