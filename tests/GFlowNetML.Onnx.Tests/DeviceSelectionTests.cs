namespace GFlowNetML.Onnx.Tests;

/// <summary>On this machine (no CUDA): Auto falls back to the CPU and says why, Cuda fails clearly, and ONNX Runtime
/// writes nothing to stderr meanwhile. (On a machine with CUDA the first two tests would see CUDA; they say so.)</summary>
[TestClass]
public sealed class DeviceSelectionTests
{
    [TestMethod]
    public void Auto_FallsBackToTheCpu_SaysWhy_AndWritesNothingToStandardError()
    {
        var model = TrainedPolicy.Small.Model;
        var capture = new StandardErrorCapture();
        SamplerSession session;
        try
        {
            session = SamplerSession.Load(model, new SamplerSessionOptions { Device = SamplerDevice.Auto });
            session.Sample(16, 1);
        }
        finally
        {
            string written = capture.Finish();
            Assert.AreEqual("", written, "stderr during the CUDA attempt and the fallback");
        }
        using (session)
        {
            if (session.Device == SamplerDevice.Cuda) Assert.Inconclusive($"This machine has CUDA ({session.DeviceReason}); the fallback cannot be observed.");
            Assert.AreEqual(SamplerDevice.Cpu, session.Device);
            StringAssert.StartsWith(session.DeviceReason, "CPU: CUDA is not available (");
            Assert.IsGreaterThan("CPU: CUDA is not available ()".Length, session.DeviceReason.Length, "the reason names the failure");
        }
    }

    [TestMethod]
    public void Cuda_WithoutCuda_ThrowsAClearError_AndWritesNothingToStandardError()
    {
        var model = TrainedPolicy.Small.Model;
        var capture = new StandardErrorCapture();
        Exception? error = null;
        SamplerSession? session = null;
        try { session = SamplerSession.Load(model, new SamplerSessionOptions { Device = SamplerDevice.Cuda }); }
        catch (Exception e) { error = e; }
        finally { Assert.AreEqual("", capture.Finish(), "stderr during the CUDA attempt"); }
        if (session is not null)
        {
            session.Dispose();
            Assert.Inconclusive("This machine has CUDA; the error cannot be observed.");
        }
        Assert.IsInstanceOfType<InvalidOperationException>(error);
        StringAssert.StartsWith(error.Message, "CUDA was requested but no CUDA session could be opened for '(new model)': ");
    }

    [TestMethod]
    public void Cpu_IsUsedWhenAsked()
    {
        using var session = SamplerSession.Load(TrainedPolicy.Small.Model, new SamplerSessionOptions { Device = SamplerDevice.Cpu });
        Assert.AreEqual(SamplerDevice.Cpu, session.Device);
        Assert.AreEqual("CPU (requested)", session.DeviceReason);
    }
}
