namespace GFlowNetML.Cli.Tests;

/// <summary>One failure policy for every command: one line, an exit code by class, a stack trace only when asked for.</summary>
[TestClass]
public sealed class FailurePolicyTests
{
    [TestMethod]
    public void EachClassOfFailureHasItsExitCodeAndOneLine()
    {
        (Exception Error, int Code, string Line)[] cases =
        [
            (new UsageException("--height must be an integer in 2..1048576; got '1'."), 2, "--height must be an integer in 2..1048576; got '1'."),
            (new ArgumentOutOfRangeException("Threads", 0, "Threads must be in [1, 256]."), 2, "Threads must be in [1, 256]. Actual value was 0."),
            (new InvalidDataException("'m.onnx' is not a GFlowNetML sampler model."), 2, "'m.onnx' is not a GFlowNetML sampler model."),
            (new IOException("No space left on device"), 1, "I/O error: No space left on device"),
            (new UnauthorizedAccessException("Access to the path '/x' is denied."), 1, "permission denied: Access to the path '/x' is denied."),
            (new OutOfMemoryException(), 1, "out of memory; lower --batch-size or the network sizes (--hidden-width, --hidden-layers)."),
            (new InvalidOperationException("GFlowNetML.Torch could not load libtorch …"), 1, "GFlowNetML.Torch could not load libtorch …"),
            (new OperationCanceledException(), 130, "interrupted."),
            (new NullReferenceException("Object reference not set to an instance of an object."), 1,
                "unexpected NullReferenceException: Object reference not set to an instance of an object. (run with --verbose or GFLOWNETML_VERBOSE=1 for the stack trace)"),
        ];
        foreach (var (error, code, line) in cases)
        {
            var described = FailurePolicy.Describe(error);
            Assert.AreEqual((line, code), described, error.GetType().Name);
            Assert.DoesNotContain("\n", described.Line);
        }
    }

    [TestMethod]
    public void ControlCharactersInEchoedValuesAreEscaped()
    {
        var result = CliHarness.RunInProcess("train", "--env", "hypergrid", "--height", "\u001b[2J\r8\t", "--out", "unused");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, result.ToString());
        Assert.AreEqual("gflownet train: --height must be an integer in 2..1048576; got '\\u001b[2J\\u000d8\\u0009'.", result.ErrorLines[0]);
        Assert.IsFalse(result.StdErr.Contains('\u001b'), "no escape character reaches the terminal");
    }

    [TestMethod]
    public void VerbosePrintsTheStackTraceAfterTheSameLine()
    {
        var plain = CliHarness.RunInProcess("train", "--env", "hypergrid", "--height", "1", "--out", "unused");
        var verbose = CliHarness.RunInProcess("train", "--env", "hypergrid", "--height", "1", "--out", "unused", "--verbose");
        Assert.AreEqual(2, plain.ExitCode, plain.ToString());
        Assert.AreEqual(2, verbose.ExitCode, verbose.ToString());
        Assert.HasCount(1, plain.ErrorLines, plain.ToString());
        Assert.AreEqual(plain.ErrorLines[0], verbose.ErrorLines[0]);
        Assert.IsGreaterThan(1, verbose.ErrorLines.Length, "the trace follows");
        StringAssert.Contains(verbose.StdErr, "   at ");
    }

    [TestMethod]
    public void VersionPrintsThePackagesVersion()
    {
        var result = CliHarness.RunInProcess("--version");
        Assert.AreEqual(0, result.ExitCode);
        Assert.AreEqual("gflownet 0.2.0", result.StdOut.Trim());
    }
}
