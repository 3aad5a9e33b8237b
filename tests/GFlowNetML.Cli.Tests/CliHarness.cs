using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace GFlowNetML.Cli.Tests;

/// <summary>What one <c>gflownet</c> invocation returned and printed.</summary>
internal sealed record CliResult(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>The non-empty lines written to standard error.</summary>
    public string[] ErrorLines => StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>Runs the CLI in-process (<see cref="Cli.Run"/>) or as a child process (<c>dotnet gflownet.dll</c>).</summary>
internal static class CliHarness
{
    /// <summary>Small networks: the tests check mechanics, not convergence.</summary>
    public static readonly string[] SmallNetworks = ["--hidden-width", "32", "--critic-width", "32"];

    /// <summary>Runs <c>gflownet ARGS</c> in this process with Console.Out/Error captured and a non-interactive,
    /// colourless Spectre console writing into a buffer (appended to <see cref="CliResult.StdOut"/>).</summary>
    public static CliResult RunInProcess(params string[] args)
    {
        var spectre = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(spectre),
            Interactive = InteractionSupport.No,
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 200; // as Program.cs widens a redirected console: tables keep one line per row
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        TextWriter oldOut = Console.Out, oldError = Console.Error;
        Console.SetOut(stdout);
        Console.SetError(stderr);
        int code;
        try
        {
            code = Cli.Run(args, console);
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }
        return new CliResult(code, stdout.ToString() + spectre.ToString(), stderr.ToString());
    }

    /// <summary>The built CLI: <c>gflownet.dll</c> copied next to the test assembly, else the CLI project's own output
    /// for this configuration.</summary>
    public static string CliDll
    {
        get
        {
            string local = Path.Combine(AppContext.BaseDirectory, "gflownet.dll");
            if (File.Exists(local) && File.Exists(Path.ChangeExtension(local, ".runtimeconfig.json"))) return local;
            string configuration = typeof(CliHarness).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            string fallback = Path.Combine(RepositoryRoot, "src", "GFlowNetML.Cli", "bin", configuration, "net10.0", "linux-x64", "gflownet.dll");
            if (File.Exists(fallback)) return fallback;
            throw new AssertFailedException($"gflownet.dll is neither next to the tests ({local}) nor at {fallback}.");
        }
    }

    /// <summary>The folder holding GFlowNetML.sln, above the test assembly.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "GFlowNetML.sln"))) return dir.FullName;
            throw new AssertFailedException($"No GFlowNetML.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>The dotnet host that runs the tests (dotnet test sets DOTNET_HOST_PATH), else <c>dotnet</c> on the PATH.</summary>
    private static string DotnetHost
        => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Starts <c>dotnet gflownet.dll ARGS</c> with its output drained into <paramref name="output"/>.</summary>
    public static Process Start(StringBuilder output, params string[] args) => Start(output, null, args);

    /// <summary>Starts <c>dotnet gflownet.dll ARGS</c> with <paramref name="environment"/> added to its environment.</summary>
    public static Process Start(StringBuilder output, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        info.ArgumentList.Add(CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine("[stderr] " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs <c>dotnet gflownet.dll ARGS</c> to completion (killed after <paramref name="timeout"/>).</summary>
    public static (int ExitCode, string Output) RunChild(TimeSpan timeout, params string[] args) => RunChild(timeout, null, args);

    /// <summary>Runs <c>dotnet gflownet.dll ARGS</c> with <paramref name="environment"/> added to its environment.</summary>
    public static (int ExitCode, string Output) RunChild(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var output = new StringBuilder();
        using var process = Start(output, environment, args);
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"gflownet {string.Join(' ', args)} did not finish within {timeout}:\n{output}");
        }
        process.WaitForExit(); // drains the asynchronous readers
        lock (output) return (process.ExitCode, output.ToString());
    }

    public static string TempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "gfn-cli-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void DeleteQuietly(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Reads metrics.json and compares runs field by field.</summary>
internal static class Metrics
{
    public static JsonObject Read(string directory)
    {
        string path = Path.Combine(directory, "metrics.json");
        Assert.IsTrue(File.Exists(path), $"{path} is missing");
        return JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new AssertFailedException($"{path} is empty JSON");
    }

    /// <summary>A copy without the wall-clock "seconds" of "final" and of every history entry.</summary>
    public static JsonObject WithoutSeconds(JsonObject metrics)
    {
        var copy = metrics.DeepClone().AsObject();
        Assert.IsTrue(copy["final"]!.AsObject().Remove("seconds"), "final.seconds is missing");
        foreach (var entry in copy["history"]!.AsArray())
            Assert.IsTrue(entry!.AsObject().Remove("seconds"), "a history entry lacks seconds");
        return copy;
    }

    public static string Canonical(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Asserts equality except for "seconds", naming the first differing line.</summary>
    public static void AssertEqualExceptSeconds(JsonObject expected, JsonObject actual, string what)
    {
        string a = Canonical(WithoutSeconds(expected)), b = Canonical(WithoutSeconds(actual));
        if (a == b) return;
        var la = a.Split('\n');
        var lb = b.Split('\n');
        int i = 0;
        while (i < la.Length && i < lb.Length && la[i] == lb[i]) i++;
        Assert.Fail($"{what}: metrics differ at line {i + 1}: expected '{(i < la.Length ? la[i].Trim() : "<end>")}', got '{(i < lb.Length ? lb[i].Trim() : "<end>")}'.");
    }

    public static double Number(JsonNode? node, string what)
    {
        Assert.IsNotNull(node, $"{what} is missing or null");
        Assert.AreEqual(JsonValueKind.Number, node.GetValueKind(), $"{what} is not a number: {node.ToJsonString()}");
        return node.GetValue<double>();
    }
}

/// <summary>
/// An independent reader of <c>checkpoint.gfn</c> (the Torch assembly's internals are not visible to this project):
/// the 8-byte magic "GFNCKPT\n", an int32 format version, the JSON header as a length-prefixed UTF-8 string, the
/// tensors, and a trailing SHA-256 of everything before it.
/// </summary>
internal static class CheckpointFile
{
    public const string FileName = "checkpoint.gfn";
    private static readonly byte[] Magic = "GFNCKPT\n"u8.ToArray();

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>Validates magic and checksum and returns the header's iteration; fails the test on a corrupt file.</summary>
    public static long ReadValidIteration(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.IsGreaterThan(Magic.Length + 4 + 32, bytes.Length, $"{path} is too short ({bytes.Length} bytes)");
        Assert.IsTrue(bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic), $"{path} lacks the checkpoint magic");
        Assert.IsTrue(SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)),
            $"{path} fails its SHA-256 check: a corrupt checkpoint was left behind");
        using var reader = new BinaryReader(new MemoryStream(bytes, Magic.Length, bytes.Length - Magic.Length - 32), Encoding.UTF8);
        int version = reader.ReadInt32();
        Assert.AreEqual(2, version, "checkpoint format version");
        using var header = JsonDocument.Parse(reader.ReadString());
        return header.RootElement.GetProperty("Iteration").GetInt64();
    }

    /// <summary>The tensor section (every network's weights and every optimizer's moments), after the JSON header.</summary>
    public static byte[] TensorBytes(string path)
    {
        ReadValidIteration(path);
        byte[] bytes = File.ReadAllBytes(path);
        using var stream = new MemoryStream(bytes, 0, bytes.Length - 32);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        reader.ReadBytes(Magic.Length + 4);
        reader.ReadString();
        return bytes[(int)stream.Position..^32];
    }

    /// <summary>The iteration of a complete, valid checkpoint at <paramref name="path"/>, or null while there is none.</summary>
    public static long? TryReadIteration(string path)
    {
        try { return File.Exists(path) ? ReadValidIteration(path) : null; }
        catch (FileNotFoundException) { return null; }
    }

    /// <summary>Rewrites a valid checkpoint's JSON header through <paramref name="edit"/>, keeping its tensors, with the
    /// checksum recomputed: an edited checkpoint that passes the integrity check, written with format
    /// <paramref name="version"/> (2, the current one, unless a test makes a previous version's file).</summary>
    public static void EditHeader(string path, Action<JsonObject> edit, int version = 2)
    {
        byte[] tensors = TensorBytes(path);
        byte[] bytes = File.ReadAllBytes(path);
        JsonObject header;
        using (var reader = new BinaryReader(new MemoryStream(bytes, Magic.Length + 4, bytes.Length - Magic.Length - 4 - 32), Encoding.UTF8))
            header = JsonNode.Parse(reader.ReadString())!.AsObject();
        edit(header);
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(version);
            w.Write(header.ToJsonString());
            w.Write(tensors);
        }
        byte[] content = body.ToArray();
        File.WriteAllBytes(path, [.. content, .. SHA256.HashData(content)]);
    }

    /// <summary>Rewrites a checkpoint as magic + <paramref name="version"/> + <paramref name="headerJson"/> with a
    /// correct checksum: a file that passes the integrity check but has the given content.</summary>
    public static void WriteWithValidChecksum(string path, int version, string headerJson)
    {
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(version);
            w.Write(headerJson);
            w.Write(0); // no tensor groups
        }
        byte[] content = body.ToArray();
        File.WriteAllBytes(path, [.. content, .. SHA256.HashData(content)]);
    }
}
