using System.Diagnostics;

namespace GFlowNetML.Cli.Tests;

/// <summary>A disk that fills while <c>train</c> checkpoints: one line naming the cause (exit 1), no stack trace, the last
/// good checkpoint intact and no partial file left. Runs on a small tmpfs where the test may mount one (root on Linux),
/// else is inconclusive.</summary>
[TestClass]
public sealed class FullDiskTests
{
    private string _mount = "";
    private bool _mounted;

    [TestInitialize]
    public void Mount()
    {
        _mount = CliHarness.TempDirectory();
        if (!OperatingSystem.IsLinux()) return;
        _mounted = Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", _mount) == 0;
    }

    [TestCleanup]
    public void Unmount()
    {
        if (_mounted) Run("umount", "-l", _mount);
        CliHarness.DeleteQuietly(_mount);
    }

    private static int Run(string file, params string[] args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            p.WaitForExit(10_000);
            return p.HasExited ? p.ExitCode : -1;
        }
        catch (System.ComponentModel.Win32Exception) { return -1; }
    }

    /// <summary>Fills the file system of <paramref name="folder"/> until about <paramref name="free"/> bytes are left.</summary>
    private static void Fill(string folder, int free)
    {
        string filler = Path.Combine(folder, "filler");
        using (var stream = File.Create(filler))
        {
            var block = new byte[4096];
            try { while (true) { stream.Write(block); stream.Flush(); } }
            catch (IOException) { }
            stream.SetLength(Math.Max(0, stream.Length - free));
        }
    }

    [TestMethod]
    public void AFullDiskWhileCheckpointingEndsInOneLineAndKeepsTheLastGoodCheckpoint()
    {
        if (!_mounted) Assert.Inconclusive("No tmpfs could be mounted here (needs root on Linux).");
        string run = Path.Combine(_mount, "run");
        var first = CliHarness.RunInProcess(["train", "--env", "hypergrid", "--height", "4", "--method", "tb", "--iterations", "5",
            "--batch-size", "8", "--eval-every", "5", "--checkpoint-every", "5", "--seed", "3", "--out", run, .. CliHarness.SmallNetworks]);
        Assert.AreEqual(0, first.ExitCode, first.ToString());
        string checkpoint = CheckpointFile.PathIn(run);
        byte[] good = File.ReadAllBytes(checkpoint);
        Fill(_mount, free: 8192); // far less than a checkpoint (tens of kilobytes)

        var resumed = CliHarness.RunInProcess("train", "--resume", run, "--iterations", "20");

        Assert.AreEqual(1, resumed.ExitCode, resumed.ToString());
        Assert.HasCount(1, resumed.ErrorLines, resumed.ToString());
        StringAssert.StartsWith(resumed.ErrorLines[0], "gflownet train: I/O error: No space left on device");
        Assert.Contains("the last good checkpoint (iteration 5) is kept for --resume.", resumed.ErrorLines[0]);
        CollectionAssert.AreEqual(good, File.ReadAllBytes(checkpoint), "the last good checkpoint is untouched");
        Assert.IsEmpty(Directory.GetFiles(run, "*.tmp"), "no partial file is left behind");

        File.Delete(Path.Combine(_mount, "filler")); // space again: the run continues from its last good checkpoint
        var again = CliHarness.RunInProcess("train", "--resume", run, "--iterations", "20");
        Assert.AreEqual(0, again.ExitCode, again.ToString());
        Assert.AreEqual(20, CheckpointFile.ReadValidIteration(checkpoint));
    }
}
