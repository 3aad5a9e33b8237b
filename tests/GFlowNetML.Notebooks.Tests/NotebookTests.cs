namespace GFlowNetML.Notebooks.Tests;

/// <summary>
/// Every notebook of <c>notebooks/</c> runs headless with dotnet-repl and every one of its cells passes. The notebooks
/// check their own numbers (exact TV, log Z, sample frequencies, conformance results) and throw on a wrong one, so a
/// broken or changed API fails here, with the failing cell's error and output in the message.
/// </summary>
[TestClass]
public sealed class NotebookTests
{
    private static readonly TimeSpan RestoreTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Generous: a notebook takes 10–15 s alone, several times that while the other test projects run.</summary>
    private static readonly TimeSpan NotebookTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The notebooks this class runs; <see cref="EveryNotebook_IsRunByATest"/> keeps the list complete.</summary>
    private static readonly string[] Notebooks = ["train-and-sample.ipynb", "environments.ipynb"];

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void RestoreDotnetRepl(TestContext _)
    {
        var (code, output) = NotebookRun.RestoreTools(RestoreTimeout);
        Assert.AreEqual(0, code, $"'dotnet tool restore' failed, so dotnet-repl is not available:{Environment.NewLine}{NotebookRun.Tail(output)}");
    }

    [TestMethod]
    public void TrainAndSample_RunsHeadless_EveryCellPasses() => RunAndCheck("train-and-sample.ipynb");

    [TestMethod]
    public void Environments_RunsHeadless_EveryCellPasses() => RunAndCheck("environments.ipynb");

    [TestMethod]
    public void EveryNotebook_IsRunByATest()
    {
        var found = Directory.GetFiles(NotebookRun.NotebooksDirectory, "*.ipynb").Select(Path.GetFileName).Order().ToArray();
        CollectionAssert.AreEqual(Notebooks.Order().ToArray(), found, "each notebook in notebooks/ needs a test method here");
    }

    [TestMethod]
    public void EveryNotebook_ReferencesTheLibraryFolderThatTheBuildFills()
    {
        // The build of this project mirrors its output into artifacts/notebooks/, where the notebooks' #r lines point.
        string artifacts = Path.Combine(NotebookRun.RepositoryRoot, "artifacts", "notebooks");
        foreach (string notebook in Notebooks)
        {
            var files = NotebookRun.ReferencedFiles(File.ReadAllText(Path.Combine(NotebookRun.NotebooksDirectory, notebook)));
            CollectionAssert.Contains(files.ToList(), "GFlowNetML.Core.dll", notebook);
            foreach (string file in files)
            {
                Assert.IsTrue(File.Exists(Path.Combine(AppContext.BaseDirectory, file)), $"{notebook}: {file} is not in the test output");
                Assert.IsTrue(File.Exists(Path.Combine(artifacts, file)), $"{notebook}: {file} is not in {artifacts}");
            }
        }
        Assert.IsTrue(File.Exists(Path.Combine(artifacts, "libLibTorchSharp.so")), "TorchSharp's native library sits beside TorchSharp.dll");
        Assert.IsTrue(File.Exists(Path.Combine(artifacts, "libonnxruntime.so")), "ONNX Runtime's native library sits beside its DLL");
    }

    [TestMethod]
    public void ReferencedFiles_RefusesALibraryOutsideTheArtifactsFolder()
    {
        string good = """{"source": ["#r \"../artifacts/notebooks/GFlowNetML.Core.dll\"\n", "#r \"../artifacts/notebooks/TorchSharp.dll\""]}""";
        CollectionAssert.AreEqual(new[] { "GFlowNetML.Core.dll", "TorchSharp.dll" }, NotebookRun.ReferencedFiles(good).ToArray());
        string bad = """{"source": ["#r \"../src/GFlowNetML.Core/bin/Debug/net10.0/GFlowNetML.Core.dll\""]}""";
        var e = Assert.ThrowsExactly<InvalidDataException>(() => NotebookRun.ReferencedFiles(bad));
        StringAssert.Contains(e.Message, "../artifacts/notebooks/<file>.dll");
    }

    [TestMethod]
    public void ReadTrx_ReadsOutcomeErrorAndOutputOfEachCell()
    {
        const string trx = """
            <?xml version="1.0" encoding="utf-16"?>
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"><Results>
              <UnitTestResult testName="Cell    1: var x = 1;" outcome="Passed"><Output><StdOut>one</StdOut></Output></UnitTestResult>
              <UnitTestResult testName="Cell    2: throw" outcome="Failed"><Output><ErrorInfo><Message>System.Exception: boom</Message></ErrorInfo><StdOut>two</StdOut></Output></UnitTestResult>
            </Results></TestRun>
            """;
        var cells = NotebookRun.ReadTrx(trx);
        Assert.HasCount(2, cells);
        Assert.IsTrue(cells[0].Passed);
        Assert.AreEqual("one", cells[0].Output);
        Assert.IsFalse(cells[1].Passed);
        Assert.AreEqual("System.Exception: boom", cells[1].Message);
        Assert.AreEqual("two", cells[1].Output);
    }

    private void RunAndCheck(string notebook)
    {
        int expectedCells = NotebookRun.CellCount(File.ReadAllText(Path.Combine(NotebookRun.NotebooksDirectory, notebook)));
        var run = NotebookRun.Run(notebook, AppContext.BaseDirectory, NotebookTimeout);
        TestContext.WriteLine($"{notebook}: {run.Cells.Count} cells in {run.Elapsed.TotalSeconds:F1} s, exit code {run.ExitCode}");
        foreach (var cell in run.Cells) TestContext.WriteLine($"--- {cell.Name}: {cell.Outcome}{Environment.NewLine}{cell.Output}");

        var failed = run.Cells.Where(c => !c.Passed).ToList();
        Assert.IsEmpty(failed, $"{notebook}: {failed.Count} cell(s) failed:{Environment.NewLine}{string.Join(Environment.NewLine, failed)}");
        Assert.AreEqual(expectedCells, run.Cells.Count,
            $"{notebook}: dotnet-repl reported {run.Cells.Count} of {expectedCells} cells (exit code {run.ExitCode}). Output:{Environment.NewLine}{NotebookRun.Tail(run.Output)}");
        Assert.AreEqual(0, run.ExitCode, $"{notebook}: dotnet-repl exited with {run.ExitCode}. Output:{Environment.NewLine}{NotebookRun.Tail(run.Output)}");
    }
}
