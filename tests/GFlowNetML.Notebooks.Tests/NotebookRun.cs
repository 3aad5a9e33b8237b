using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace GFlowNetML.Notebooks.Tests;

/// <summary>
/// Runs one notebook of <c>notebooks/</c> headless with dotnet-repl (the local tool of <c>.config/dotnet-tools.json</c>)
/// and reads its TRX report: one result per cell.
/// </summary>
/// <remarks>
/// The notebooks reference the library as <c>#r "../artifacts/notebooks/X.dll"</c>, the folder a build of this project
/// fills for users. The run uses a temporary copy whose <c>#r</c> lines point at this test project's own output folder
/// instead (the same flat linux-x64 files, built in the configuration under test, and not rewritten by a concurrent build
/// of another configuration). The working directory is <c>notebooks/</c>, as in Jupyter or VS Code, so the notebooks'
/// other relative paths (<c>../models/…</c>) resolve as they do for a user.
/// </remarks>
internal sealed partial class NotebookRun
{
    /// <summary>The folder the notebooks' <c>#r</c> lines name, relative to <c>notebooks/</c>.</summary>
    public const string LibraryPrefix = "../artifacts/notebooks/";

    private NotebookRun(int exitCode, IReadOnlyList<NotebookCell> cells, string output, TimeSpan elapsed)
    {
        ExitCode = exitCode;
        Cells = cells;
        Output = output;
        Elapsed = elapsed;
    }

    /// <summary>dotnet-repl's exit code: 0 when every cell passed, 2 when one failed.</summary>
    public int ExitCode { get; }

    /// <summary>The cells' results in notebook order (empty when no TRX file was written).</summary>
    public IReadOnlyList<NotebookCell> Cells { get; }

    /// <summary>dotnet-repl's own standard output and error.</summary>
    public string Output { get; }

    /// <summary>Wall-clock time of the run.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The repository root: the first folder above the test binaries that holds GFlowNetML.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The notebooks folder.</summary>
    public static string NotebooksDirectory => Path.Combine(RepositoryRoot, "notebooks");

    /// <summary>The file names a notebook's <c>#r</c> lines reference, checking that every one of them is under
    /// <see cref="LibraryPrefix"/>.</summary>
    public static IReadOnlyList<string> ReferencedFiles(string notebookText)
    {
        var files = new List<string>();
        foreach (Match m in ReferenceLine().Matches(notebookText))
        {
            string path = m.Groups["path"].Value;
            if (!path.StartsWith(LibraryPrefix, StringComparison.Ordinal) || path.Length == LibraryPrefix.Length || path[LibraryPrefix.Length..].Contains('/'))
                throw new InvalidDataException($"#r \"{path}\": notebooks reference the library as #r \"{LibraryPrefix}<file>.dll\" (see notebooks/README.md).");
            files.Add(path[LibraryPrefix.Length..]);
        }
        return files;
    }

    /// <summary>Runs <c>dotnet tool restore</c> in the repository (installs dotnet-repl from the local manifest).</summary>
    public static (int ExitCode, string Output) RestoreTools(TimeSpan timeout)
    {
        var (code, output, _) = Execute(RepositoryRoot, timeout, "tool", "restore");
        return (code, output);
    }

    /// <summary>Runs a notebook of <c>notebooks/</c> against the library in <paramref name="libraryDirectory"/>.</summary>
    /// <param name="notebook">The file name, e.g. <c>environments.ipynb</c>.</param>
    /// <param name="libraryDirectory">The folder the <c>#r</c> lines are redirected to.</param>
    /// <param name="timeout">How long the run may take; past it the process tree is killed and a <see cref="TimeoutException"/> thrown.</param>
    public static NotebookRun Run(string notebook, string libraryDirectory, TimeSpan timeout)
    {
        string text = File.ReadAllText(Path.Combine(NotebooksDirectory, notebook));
        foreach (string file in ReferencedFiles(text))
            if (!File.Exists(Path.Combine(libraryDirectory, file)))
                throw new FileNotFoundException($"The notebook references {file}, which is not in {libraryDirectory}.");
        string library = Path.TrimEndingDirectorySeparator(Path.GetFullPath(libraryDirectory)) + "/";
        string redirected = text.Replace("#r \\\"" + LibraryPrefix, "#r \\\"" + library, StringComparison.Ordinal);

        string work = Directory.CreateTempSubdirectory("gflownet-notebook-").FullName;
        try
        {
            string copy = Path.Combine(work, notebook), trx = Path.Combine(work, "cells.trx");
            File.WriteAllText(copy, redirected, new UTF8Encoding(false));
            var (code, output, elapsed) = Execute(NotebooksDirectory, timeout,
                "repl", "--run", copy, "--exit-after-run", "--output-format", "trx", "--output-path", trx);
            var cells = File.Exists(trx) ? ReadTrx(File.ReadAllText(trx)) : [];
            if (cells.Any(c => !c.Passed && string.IsNullOrWhiteSpace(c.Message)))
            {
                // dotnet-repl leaves a failing cell's error out of the TRX report when the cell wrote output; the
                // executed notebook (ipynb output) keeps it, so a second run recovers it for the failure message.
                string executed = Path.Combine(work, "executed.ipynb");
                Execute(NotebooksDirectory, timeout, "repl", "--run", copy, "--exit-after-run", "--output-format", "ipynb", "--output-path", executed);
                if (File.Exists(executed)) cells = WithErrors(cells, ReadErrors(File.ReadAllText(executed)));
            }
            return new NotebookRun(code, cells, output, elapsed);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The number of cells (code and markdown) of a notebook: dotnet-repl reports one result for each.</summary>
    public static int CellCount(string notebookText)
        => System.Text.Json.JsonDocument.Parse(notebookText).RootElement.GetProperty("cells").GetArrayLength();

    /// <summary>Reads dotnet-repl's TRX report. Its declaration says UTF-16 while the bytes are UTF-8, so it is parsed
    /// from text, which ignores the declared encoding.</summary>
    internal static IReadOnlyList<NotebookCell> ReadTrx(string text)
    {
        var doc = XDocument.Parse(text);
        XNamespace ns = doc.Root!.Name.Namespace;
        return doc.Descendants(ns + "UnitTestResult")
            .Select(r => new NotebookCell(
                (string?)r.Attribute("testName") ?? "",
                (string?)r.Attribute("outcome") ?? "",
                r.Descendants(ns + "Message").FirstOrDefault()?.Value ?? "",
                r.Descendants(ns + "StdOut").FirstOrDefault()?.Value ?? ""))
            .ToList();
    }

    /// <summary>The error outputs of each cell of an executed notebook, in cell order (empty where the cell has none).</summary>
    internal static IReadOnlyList<string> ReadErrors(string executedNotebook)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(executedNotebook);
        var errors = new List<string>();
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            var text = new StringBuilder();
            if (cell.TryGetProperty("outputs", out var outputs) && outputs.ValueKind == System.Text.Json.JsonValueKind.Array)
                foreach (var o in outputs.EnumerateArray())
                    if (o.TryGetProperty("output_type", out var type) && type.GetString() == "error" && o.TryGetProperty("evalue", out var value))
                        text.AppendLine(value.GetString());
            errors.Add(text.ToString());
        }
        return errors;
    }

    private static List<NotebookCell> WithErrors(IReadOnlyList<NotebookCell> cells, IReadOnlyList<string> errors)
        => cells.Select((c, i) => !c.Passed && string.IsNullOrWhiteSpace(c.Message) && i < errors.Count && errors[i].Length > 0
            ? c with { Message = errors[i] + "(recovered from a second run with --output-format ipynb)" }
            : c).ToList();

    private static (int ExitCode, string Output, TimeSpan Elapsed) Execute(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["OMP_NUM_THREADS"] = "1";
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";

        var output = new StringBuilder();
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit();
            lock (output)
                throw new TimeoutException($"'dotnet {string.Join(' ', arguments)}' did not finish within {timeout.TotalSeconds:F0} s and was killed. Output:{Environment.NewLine}{Tail(output.ToString())}");
        }
        process.WaitForExit(); // drains the asynchronous output readers
        lock (output) return (process.ExitCode, output.ToString(), watch.Elapsed);
    }

    /// <summary>The dotnet host that runs the tests (set by <c>dotnet test</c>), else <c>dotnet</c> from the PATH.</summary>
    private static string DotnetHost()
        => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The last few thousand characters of a long output.</summary>
    public static string Tail(string text, int characters = 4000)
        => text.Length <= characters ? text : "…" + text[^characters..];

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "GFlowNetML.sln"))) return dir.FullName;
        throw new InvalidOperationException($"The repository root (GFlowNetML.sln) is not above {AppContext.BaseDirectory}.");
    }

    // A #r line as it appears in the notebook's JSON source: #r \"path\"
    [GeneratedRegex(@"#r \\""(?<path>[^""\\]+)\\""")]
    private static partial Regex ReferenceLine();
}
