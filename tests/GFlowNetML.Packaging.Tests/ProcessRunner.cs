using System.Diagnostics;
using System.Text;

namespace GFlowNetML.Packaging.Tests;

/// <summary>Runs a command to completion with its output captured and a time limit, in a given environment.</summary>
public static class ProcessRunner
{
    /// <summary>The dotnet host that runs the tests (dotnet test sets DOTNET_HOST_PATH), else <c>dotnet</c> on the PATH.</summary>
    public static string Dotnet
        => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The result of one command: its exit code, its interleaved output and how long it took.</summary>
    public sealed record Result(string Command, int ExitCode, string Output, TimeSpan Elapsed)
    {
        /// <summary>Fails the test, with the command's output, unless it exited with 0.</summary>
        public Result Succeeded()
        {
            if (ExitCode != 0) Assert.Fail($"`{Command}` exited with {ExitCode} after {Elapsed.TotalSeconds:F0} s:\n{Tail(Output)}");
            return this;
        }
    }

    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/> in <paramref name="directory"/>; the variables of
    /// <paramref name="environment"/> are added to (or, with a null value, removed from) the test's environment.</summary>
    public static Result Run(string file, IEnumerable<string> args, string directory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        // The test host's own MSBuild and test-platform variables must not leak into a fresh build.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase) || k == "DOTNET_HOST_PATH").ToList())
            info.Environment.Remove(name);
        foreach (var (name, value) in environment)
            if (value is null) info.Environment.Remove(name); else info.Environment[name] = value;
        string command = $"{Path.GetFileName(file)} {string.Join(' ', info.ArgumentList)}";
        var output = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine("[stderr] " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"`{command}` did not finish within {timeout.TotalSeconds:F0} s:\n{Tail(output.ToString())}");
        }
        process.WaitForExit(); // drains the asynchronous readers
        lock (output) return new Result(command, process.ExitCode, output.ToString(), clock.Elapsed);
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : "…" + text[^6000..];
}
