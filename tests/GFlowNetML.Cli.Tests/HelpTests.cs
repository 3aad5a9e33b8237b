using GFlowNetML.Environments;
using GFlowNetML.Rewards;

namespace GFlowNetML.Cli.Tests;

/// <summary>Each command's <c>--help</c> comes from its option table: every option on a line of its own with its
/// description, default and range, the ranges being the library's.</summary>
[TestClass]
public sealed class HelpTests
{
    /// <summary>The help line of <c>--name</c>: the line that starts with it, and the line after when the head is too
    /// wide for the column.</summary>
    private static string LineOf(string help, string name)
    {
        var lines = help.Split('\n');
        int i = Array.FindIndex(lines, l => l.StartsWith($"  --{name} ", StringComparison.Ordinal) || l == $"  --{name}");
        Assert.IsGreaterThanOrEqualTo(0, i, $"--{name} has a line of its own in\n{help}");
        string line = lines[i].TrimEnd();
        return line.Length < 32 || line.EndsWith('|') || !line[32..].Trim().Contains(' ') ? line + " " + lines[i + 1].Trim() : line;
    }

    [TestMethod]
    public void TrainHelpListsEveryOptionWithItsDescriptionAndDefault()
    {
        var result = CliHarness.RunInProcess("train", "--help");
        Assert.AreEqual(0, result.ExitCode, result.ToString());

        foreach (var option in TrainOptions.Table.Options)
        {
            string line = LineOf(result.StdOut, option.Name);
            Assert.Contains(option.Description, line, $"--{option.Name}'s description");
            if (option.Kind != Parameters.ParameterKind.Flag) Assert.Contains($"({(option.Default is null && option.NoDefault == "required" ? "required" : "default " + option.DefaultText)}", line, $"--{option.Name}'s default");
        }
        Assert.HasCount(62, TrainOptions.Table.Options, "every option of train: --env, the environments' 29 (qm9 shares sequence's) and the trainer's 32");
        StringAssert.Contains(LineOf(result.StdOut, "iterations"), "(default 2000; ≥ 1)");
        StringAssert.Contains(LineOf(result.StdOut, "lr"), "(default 0.001; > 0)");
        StringAssert.Contains(LineOf(result.StdOut, "lambda"), "(default 0.99; [0, 1])");
        StringAssert.Contains(LineOf(result.StdOut, "subtb-lambda"), "(default 0.9; (0, 1])");
        StringAssert.Contains(LineOf(result.StdOut, "out"), "(required)");
        StringAssert.Contains(LineOf(result.StdOut, "method"), "--method rl-u|rl-b|rl-g|rl-t|tb|db|subtb|fm");
    }

    [TestMethod]
    public void HelpRangesAreTheLibrarys()
    {
        string help = CliHarness.RunInProcess("train", "--help").StdOut;

        StringAssert.Contains(LineOf(help, "tokens"), $"(default 4; 2..{SyntheticBindingLandscape.MaxTokens})");
        Assert.AreEqual(62, SyntheticBindingLandscape.MaxTokens);
        StringAssert.Contains(LineOf(help, "codebook"), $"(default 60; 1..{BitSequence.MaxCodebook})");
        Assert.AreEqual(65536, BitSequence.MaxCodebook);
        StringAssert.Contains(LineOf(help, "nodes"), $"(default 5; 1..{DagEnvironment.MaxNodes})");
        StringAssert.Contains(LineOf(help, "height"), $"(default 8; 2..{HyperGrid.MaxEncodingWidth})");
        // qm9 has its own defaults for the transform it shares with sequence.
        StringAssert.Contains(help, "--env qm9: ");
        StringAssert.Contains(help[help.IndexOf("--env qm9: ", StringComparison.Ordinal)..], "  --alpha 5 ");
    }

    [TestMethod]
    public void TheLibraryRefusesWhatTheHelpRangeExcludes()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SyntheticBindingLandscape(tokens: 63, length: 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BitSequence(8, 4, codebook: 65537));
        var tokens = CliHarness.RunInProcess("train", "--env", "sequence", "--tokens", "63", "--out", "unused");
        Assert.AreEqual("gflownet train: --tokens must be an integer in 2..62; got '63'.", tokens.ErrorLines.Single());
        var codebook = CliHarness.RunInProcess("train", "--env", "bitseq", "--codebook", "65537", "--out", "unused");
        Assert.AreEqual("gflownet train: --codebook must be an integer in 1..65536; got '65537'.", codebook.ErrorLines.Single());
    }

    [TestMethod]
    [DataRow("compare")]
    [DataRow("tune")]
    [DataRow("sample")]
    [DataRow("export")]
    public void EveryCommandsHelpGivesEachOptionALine(string command)
    {
        var result = CliHarness.RunInProcess(command, "--help");
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        string[] names = command switch
        {
            "compare" => Compare.CompareSettings.OptionNames,
            "tune" => Commands.TuneCommand.OptionNames,
            "export" => Commands.ExportCommand.Table.OptionNames,
            _ => ["model", "samples", "out", "seed", "device", "gpu", "mode", "batch-size", "threads"],
        };
        foreach (string name in names) StringAssert.Contains(LineOf(result.StdOut, name), "(", $"--{name} has its default or (required)");
    }
}
