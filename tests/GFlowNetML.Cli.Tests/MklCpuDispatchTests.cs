using System.Text.Json.Nodes;

namespace GFlowNetML.Cli.Tests;

/// <summary>
/// <c>GFLOWNETML_MKL_CPU=intel</c> (MKL's Intel code paths, read once when libtorch loads, so each run is a child process):
/// the same seed gives the same run bit for bit, the numbers agree with the default kernels' to float rounding, and a bad
/// value is one line naming the variable and its allowed values.
/// </summary>
[TestClass]
public sealed class MklCpuDispatchTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteRoot() => CliHarness.DeleteQuietly(_root);

    private JsonObject Train(string name, string? mkl)
    {
        string dir = Path.Combine(_root, name);
        var environment = mkl is null ? null : new Dictionary<string, string> { ["GFLOWNETML_MKL_CPU"] = mkl };
        var (code, output) = CliHarness.RunChild(Timeout, environment, ["train", "--ndim", "2", "--height", "8", "--method", "tb",
            "--iterations", "3", "--batch-size", "16", "--seed", "5", "--eval-every", "1", "--out", dir, "--hidden-width", "256"]);
        Assert.AreEqual(0, code, output);
        return Metrics.Read(dir);
    }

    [TestMethod]
    public void IntelCodePathsRepeatBitForBitAndAgreeWithTheDefaultToRounding()
    {
        var intel = Train("intel", "intel");
        var again = Train("again", "intel");
        var standard = Train("default", null);

        Metrics.AssertEqualExceptSeconds(intel, again, "GFLOWNETML_MKL_CPU=intel twice");
        var a = intel["history"]!.AsArray();
        var b = standard["history"]!.AsArray();
        Assert.HasCount(4, a);
        // The untrained policy's exact distribution (a policy pass over all 64 states) and the first iteration's loss.
        double tvIntel = Metrics.Number(a[0]!["exactTotalVariation"], "TV, intel"), tvDefault = Metrics.Number(b[0]!["exactTotalVariation"], "TV, default");
        Assert.AreEqual(tvDefault, tvIntel, 1e-6 * Math.Abs(tvDefault), "exact TV of the initial policy");
        double lossIntel = Metrics.Number(a[1]!["loss"], "loss, intel"), lossDefault = Metrics.Number(b[1]!["loss"], "loss, default");
        Assert.AreEqual(lossDefault, lossIntel, 1e-5 * Math.Abs(lossDefault), "the first iteration's TB loss");
        Assert.AreEqual((long)b[1]!["trajectories"]!, (long)a[1]!["trajectories"]!);
    }

    [TestMethod]
    public void BadValueIsOneLineNamingTheVariable()
    {
        var (code, output) = CliHarness.RunChild(Timeout, new Dictionary<string, string> { ["GFLOWNETML_MKL_CPU"] = "amd" },
            ["train", "--ndim", "2", "--height", "4", "--method", "tb", "--iterations", "1", "--out", Path.Combine(_root, "bad")]);

        Assert.AreEqual(1, code, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.HasCount(1, lines, output);
        Assert.AreEqual("[stderr] gflownet train: GFLOWNETML_MKL_CPU must be auto or intel; got 'amd'.", lines[0]);
    }
}
