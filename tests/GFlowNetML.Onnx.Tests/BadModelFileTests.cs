using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.Tests;

[TestClass]
public sealed class BadModelFileTests
{
    private static readonly SamplerSessionOptions Cpu = new() { Device = SamplerDevice.Cpu };
    private string _dir = "";

    [TestInitialize]
    public void Setup() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "gfn-onnx-tests-" + Guid.NewGuid().ToString("N")));

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static InvalidDataException LoadFails(string path)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SamplerSession.Load(path, Cpu).Dispose());
        StringAssert.Contains(e.Message, $"'{path}' is not a usable GFlowNetML sampler model: ");
        return e;
    }

    [TestMethod]
    public void AValidFile_LoadsAndSamples()
    {
        string path = Path.Combine(_dir, "model.onnx");
        TrainedPolicy.Small.Model.Save(path);
        using var session = SamplerSession.Load(path, Cpu);
        Assert.AreEqual(path, session.Model.Source);
        Assert.HasCount(5, session.Sample(5, 1));
    }

    [TestMethod]
    public void TruncatedFiles_GiveAClearError()
    {
        var bytes = TrainedPolicy.Small.Model.ToArray();
        foreach (double fraction in new[] { 0.0, 0.001, 0.1, 0.5, 0.9, 0.999 })
        {
            string path = Write($"truncated-{fraction}.onnx", bytes[..(int)(bytes.Length * fraction)]);
            var e = LoadFails(path);
            Assert.IsTrue(e.Message.Contains("truncated or corrupt", StringComparison.Ordinal) || e.Message.Contains("has no graph", StringComparison.Ordinal)
                || e.Message.Contains("without GFlowNetML metadata", StringComparison.Ordinal), e.Message);
        }
    }

    [TestMethod]
    public void ACorruptedWeight_FailsTheChecksum()
    {
        var bytes = TrainedPolicy.Small.Model.ToArray();
        bytes[bytes.Length / 3] ^= 0x5A; // inside the first layer's weights
        StringAssert.Contains(LoadFails(Write("flipped.onnx", bytes)).Message, "does not match the SHA-256");
    }

    [TestMethod]
    public void RandomByteCorruption_NeverCrashes_OnlyLoadsOrThrowsInvalidData()
    {
        var original = TrainedPolicy.Small.Model.ToArray();
        var random = new Sampling.GFlowNetRandom(99);
        int loaded = 0;
        for (int trial = 0; trial < 60; trial++)
        {
            var bytes = (byte[])original.Clone();
            for (int k = 0; k < 1 + trial % 4; k++) bytes[random.NextInt(bytes.Length)] = (byte)random.NextInt(256);
            string path = Write($"fuzz-{trial}.onnx", bytes);
            try
            {
                using var session = SamplerSession.Load(path, Cpu);
                session.Sample(4, 1);
                loaded++;
            }
            catch (InvalidDataException e) { StringAssert.Contains(e.Message, path); }
        }
        Assert.IsLessThan(60, loaded, "no corruption was detected at all");
    }

    [TestMethod]
    public void Garbage_AndEmptyFiles_GiveAClearError()
    {
        LoadFails(Write("empty.onnx", []));
        LoadFails(Write("text.onnx", "this is not a model\n"u8.ToArray()));
        var noise = new byte[4096];
        new Random(3).NextBytes(noise);
        LoadFails(Write("noise.onnx", noise));
    }

    [TestMethod]
    public void AnOnnxModelWithoutGFlowNetMLMetadata_IsRefused()
    {
        var graph = new OnnxGraph("plain");
        graph.Input("x", OnnxType.Float, "batch", 3);
        graph.Node("Relu", ["x"], "y");
        graph.Output("y", OnnxType.Float, "batch", 3);
        string path = Write("plain.onnx", OnnxModelFile.Write(graph, [], "a plain ONNX model"));
        StringAssert.Contains(LoadFails(path).Message, "it is an ONNX model without GFlowNetML metadata ('gflownetml.format_version' is missing)");
    }

    [TestMethod]
    public void ANewerFormatVersion_IsRefused()
    {
        var model = TrainedPolicy.Small.Model;
        var (metadata, graph) = OnnxModelFile.Read(model.ToArray());
        metadata["gflownetml.format_version"] = "2";
        string path = Write("future.onnx", OnnxModelFile.Write(graph!, metadata, "from the future"));
        StringAssert.Contains(LoadFails(path).Message, "it has sampler format version 2; this GFlowNetML reads versions up to 1 (update GFlowNetML)");
    }

    [TestMethod]
    public void AnUnknownEnvironment_WithoutAnInstance_IsAClearError()
    {
        var model = TrainedPolicy.Small.Model;
        var (metadata, graph) = OnnxModelFile.Read(model.ToArray());
        metadata["gflownetml.environment.parameters"] = "{\"ndim\":\"2\"}";
        string path = Write("no-height.onnx", OnnxModelFile.Write(graph!, metadata, ""));
        StringAssert.Contains(LoadFails(path).Message, "its environment cannot be recreated: The 'hypergrid' environment needs the parameter 'height'.");
    }

    [TestMethod]
    public void AMissingFile_IsFileNotFound()
        => Assert.ThrowsExactly<FileNotFoundException>(() => SamplerSession.Load(Path.Combine(_dir, "absent.onnx"), Cpu));
}
