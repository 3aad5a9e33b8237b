namespace GFlowNetML.Cli.Tests;

/// <summary>Choosing a command: help exits 0 and prints the command's synopsis; an unknown command is a usage error.</summary>
[TestClass]
public sealed class CommandDispatchTests
{
    [TestMethod]
    public void TrainHelpExitsWithZeroAndListsTheOptions()
    {
        var result = CliHarness.RunInProcess("train", "--help");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual("", result.StdErr);
        foreach (var option in new[] { "--env hypergrid", "--ndim", "--height", "--r0", "--method rl-u|rl-b|rl-g|rl-t|tb|db|subtb|fm", "--learn-backward", "--iterations", "--batch-size",
                     "--seed", "--eval-every", "--out DIR", "--checkpoint-every", "--resume DIR" })
            Assert.Contains(option, result.StdOut);
    }

    [TestMethod]
    public void HelpWinsOverOtherOptions()
    {
        var result = CliHarness.RunInProcess("train", "--height", "1", "-h");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.Contains("gflownet train --resume DIR", result.StdOut);
    }

    [TestMethod]
    public void TopLevelHelpExitsWithZeroAndNamesEveryCommand()
    {
        var result = CliHarness.RunInProcess("--help");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.Contains("train", result.StdOut);
        Assert.Contains("sample", result.StdOut);
        Assert.DoesNotContain("bench", result.StdOut);
        Assert.Contains("compare", result.StdOut);
    }

    [TestMethod]
    public void NoArgumentsExitsWithCode2()
    {
        var result = CliHarness.RunInProcess();

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.Contains("Commands:", result.StdErr);
    }

    [TestMethod]
    public void UnknownCommandExitsWithCode2AndListsTheCommands()
    {
        var result = CliHarness.RunInProcess("fly", "--ndim", "2");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, result.StdErr);
        Assert.AreEqual("gflownet: unknown command 'fly'; allowed commands: train, compare, export, sample, tune, silo.", result.ErrorLines[0]);
    }
}
