using System.Text.RegularExpressions;

namespace GFlowNetML.Packaging.Tests;

/// <summary>A new user's console app: it references GFlowNetML from the fresh packages, restores into an empty package cache,
/// builds, runs, fits a sampler and samples — and still runs when the build-time native fix is switched off.</summary>
[TestClass]
public sealed class ConsumerAppTests
{
    private const string Program = """
        using GFlowNetML;
        using GFlowNetML.Trainers;
        using Microsoft.ML;
        using Microsoft.ML.Data;

        var ml = new MLContext(seed: 0);
        var seeds = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 8).Select(i => new SeedRow { Seed = i }));
        var options = new PolicyGradientOptions { Task = GFlowNetTask.HyperGrid(2, 4), Iterations = 30, BatchSize = 16, HiddenLayers = 1, HiddenWidth = 32, EvalEvery = 30 };
        var model = ml.GFlowNet().Trainers.PolicyGradient(options).Fit(seeds);
        var metrics = ml.GFlowNet().Evaluate(model, samples: 100);
        var samples = model.Transform(seeds).GetColumn<float[]>("Sample").ToList();
        Console.WriteLine($"exact TV {metrics.TotalVariation:F4}; {samples.Count} samples; first ({string.Join(", ", samples[0])})");

        public sealed class SeedRow
        {
            public int Seed { get; set; }
        }
        """;

    private static string? _project;

    private static string Project => _project ??= PackagedRepository.ConsoleProject("consumer",
        $"""    <PackageReference Include="GFlowNetML" Version="{PackagedRepository.Version}" />""", Program);

    private static void AssertItFitted(ProcessRunner.Result run)
    {
        var match = Regex.Match(run.Output, @"exact TV (\d\.\d{4}); 8 samples; first \((\d), (\d)\)");
        Assert.IsTrue(match.Success, $"the app printed its result:\n{run.Output}");
        double tv = double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.IsTrue(tv is > 0 and < 1, $"TV {tv}");
    }

    [TestMethod]
    public void DotnetRunFromAnEmptyPackageCacheFitsAndSamples()
    {
        var run = PackagedRepository.Dotnet(Project, TimeSpan.FromMinutes(6), null, "run").Succeeded();
        Console.WriteLine($"dotnet run (restore into an empty cache, build, fit): {run.Elapsed.TotalSeconds:F0} s");
        AssertItFitted(run);
        Assert.IsTrue(Directory.Exists(Path.Combine(PackagedRepository.Environment["NUGET_PACKAGES"]!, "gflownetml.torch")), "restored into the empty cache");
    }

    /// <summary>With the build-time fix off, the unpatched native library reaches the output; GFlowNetML.Torch repairs it at
    /// run time (a patched copy in GFLOWNETML_NATIVE_CACHE) instead of letting the process abort.</summary>
    [TestMethod]
    public void WithoutTheBuildTimeFixTheLibraryRepairsTheNativeLibraryAtRunTime()
    {
        string output = Path.Combine(PackagedRepository.Root, "consumer-unpatched");
        PackagedRepository.Dotnet(Project, TimeSpan.FromMinutes(6), null, "build", "-p:PatchLibTorchSharp=false", "-o", output).Succeeded();
        string native = Directory.GetFiles(output, "libLibTorchSharp.so", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(native);
        Assert.AreEqual(GFlowNetML.Torch.Native.ElfVersionNeedState.Weakened, GFlowNetML.Torch.Native.ElfVersionNeed.Weaken(bytes, "GLIBCXX_3.4.32", out _),
            "the output holds the unpatched library");
        var run = ProcessRunner.Run(ProcessRunner.Dotnet, [Path.Combine(output, "consumer.dll")], output, PackagedRepository.Environment, TimeSpan.FromMinutes(3)).Succeeded();
        AssertItFitted(run);
        if (SystemLibStdCxxHas("GLIBCXX_3.4.32")) return; // the unpatched library loads as it is here: nothing to repair
        Assert.IsNotEmpty(Directory.GetFiles(PackagedRepository.Environment["GFLOWNETML_NATIVE_CACHE"]!, "libLibTorchSharp.so", SearchOption.AllDirectories),
            "the repaired copy sits in the native cache");
    }

    private static bool SystemLibStdCxxHas(string version)
    {
        string[] candidates = ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6"];
        string? path = candidates.FirstOrDefault(File.Exists);
        return path is not null && System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(path)).Contains(version + "\0", StringComparison.Ordinal);
    }
}
