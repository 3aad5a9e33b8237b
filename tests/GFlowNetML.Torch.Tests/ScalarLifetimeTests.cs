namespace GFlowNetML.Torch.Tests;

[TestClass]
public sealed class ScalarLifetimeTests
{
    /// <summary>No TorchSharp call in GFlowNetML.Torch gets a Scalar that nothing keeps alive (see <see cref="ScalarTemporaries"/>):
    /// such a temporary can be finalized during the native call when trainers run on several threads under GC pressure.</summary>
    [TestMethod]
    public void NoTorchCallInTheTorchAssemblyGetsAnUnreferencedScalarTemporary()
    {
        var offences = ScalarTemporaries.Find(typeof(Training.GFlowNetTrainer).Assembly);
        if (offences.Count > 0)
            Assert.Fail($"{offences.Count} Scalar temporaries (use a `using var s = x.ToScalar();` local instead):\n" + string.Join("\n", offences));
    }
}
