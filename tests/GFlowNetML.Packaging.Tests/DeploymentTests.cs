using System.Text.Json;

namespace GFlowNetML.Packaging.Tests;

/// <summary>What a user deploys and installs: a CPU sampler-only app published for linux-x64 (no CUDA provider, no
/// libtorch), and the gflownet tool installed with a tool path and with a local tool manifest.</summary>
[TestClass]
public sealed class DeploymentTests
{
    private const string SamplerProgram = """
        using GFlowNetML.Onnx;

        using var session = SamplerSession.Load(args[0]);
        var samples = session.Sample(1000, seed: 1);
        Console.WriteLine($"{session.Device}: {session.DeviceReason}");
        Console.WriteLine($"{samples.Count} samples of {session.Environment.Description}; mean log R {samples.Average(s => s.LogReward):F3}");
        """;

    [TestMethod]
    public void ACpuSamplerAppPublishesForLinuxWithoutTheCudaProviderOrLibtorch()
    {
        string project = PackagedRepository.ConsoleProject("sampler",
            $"""    <PackageReference Include="GFlowNetML.Onnx" Version="{PackagedRepository.Version}" />""", SamplerProgram);
        string output = Path.Combine(PackagedRepository.Root, "sampler-publish");
        var publish = PackagedRepository.Dotnet(project, TimeSpan.FromMinutes(5), null, "publish", "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-o", output).Succeeded();
        var files = Directory.GetFiles(output, "*", SearchOption.AllDirectories).Select(f => new FileInfo(f)).ToList();
        long bytes = files.Sum(f => f.Length);
        Console.WriteLine($"CPU sampler app, linux-x64 framework-dependent: {bytes / 1e6:F1} MB in {files.Count} files (publish {publish.Elapsed.TotalSeconds:F0} s)");
        Assert.IsEmpty(files.Where(f => f.Name.Contains("cuda", StringComparison.OrdinalIgnoreCase) || f.Name.Contains("tensorrt", StringComparison.OrdinalIgnoreCase)).Select(f => f.Name).ToList(), "no CUDA provider");
        Assert.IsEmpty(files.Where(f => f.Name.StartsWith("libtorch", StringComparison.Ordinal) || f.Name.EndsWith(".dll", StringComparison.Ordinal) && f.Name.StartsWith("onnxruntime", StringComparison.Ordinal)).Select(f => f.Name).ToList(),
            "no libtorch and no Windows ONNX Runtime DLLs");
        Assert.IsLessThan(60e6, (double)bytes, "a CPU sampler app stays small");

        string model = Path.Combine(PackagedRepository.Repository, "models", "hypergrid-d2-h8-tb.onnx");
        var run = ProcessRunner.Run(ProcessRunner.Dotnet, [Path.Combine(output, "sampler.dll"), model], output, PackagedRepository.Environment, TimeSpan.FromMinutes(2)).Succeeded();
        StringAssert.StartsWith(run.Output, "Cpu: CPU: CUDA is not available (this ONNX Runtime build has no CUDA execution provider", "Auto says truthfully which runtime it found");
        StringAssert.Contains(run.Output, "1000 samples of hypergrid(ndim=2, height=8");
    }

    [TestMethod]
    public void TheToolInstallsWithAToolPathAndTrains()
    {
        string tools = Path.Combine(PackagedRepository.Root, "tools");
        PackagedRepository.Dotnet(PackagedRepository.Root, TimeSpan.FromMinutes(4), null,
            "tool", "install", "gflownet", "--tool-path", tools, "--version", PackagedRepository.Version, "--configfile", PackagedRepository.NuGetConfig).Succeeded();
        string gflownet = Path.Combine(tools, "gflownet");
        Assert.IsTrue(File.Exists(gflownet), "the tool's command is named gflownet");
        var version = ProcessRunner.Run(gflownet, ["--version"], PackagedRepository.Root, PackagedRepository.Environment, TimeSpan.FromMinutes(1)).Succeeded();
        Assert.AreEqual($"gflownet {PackagedRepository.Version}", version.Output.Trim());

        string run = Path.Combine(PackagedRepository.Root, "tool-run");
        var train = ProcessRunner.Run(gflownet, ["train", "--env", "hypergrid", "--ndim", "2", "--height", "4", "--method", "tb", "--iterations", "30",
            "--batch-size", "16", "--hidden-layers", "1", "--hidden-width", "32", "--eval-every", "10", "--out", run], PackagedRepository.Root, PackagedRepository.Environment, TimeSpan.FromMinutes(3)).Succeeded();
        Console.WriteLine($"gflownet train (installed tool): {train.Elapsed.TotalSeconds:F1} s");
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        Assert.AreEqual(30, metrics.RootElement.GetProperty("final").GetProperty("iteration").GetInt32());
    }

    [TestMethod]
    public void TheToolInstallsIntoALocalToolManifestAndRuns()
    {
        string repo = Path.Combine(PackagedRepository.Root, "manifest-user");
        Directory.CreateDirectory(repo);
        PackagedRepository.Dotnet(repo, TimeSpan.FromMinutes(2), null, "new", "tool-manifest").Succeeded();
        PackagedRepository.Dotnet(repo, TimeSpan.FromMinutes(4), null,
            "tool", "install", "gflownet", "--version", PackagedRepository.Version, "--configfile", PackagedRepository.NuGetConfig).Succeeded();
        var help = PackagedRepository.Dotnet(repo, TimeSpan.FromMinutes(1), null, "tool", "run", "gflownet", "--", "train", "--help").Succeeded();
        StringAssert.Contains(help.Output, "--method");
    }
}
