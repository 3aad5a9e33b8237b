using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GFlowNetML.Cli.Tests;

/// <summary>
/// A real redis-server on a free loopback port for the cluster tests, with no persistence (<c>--save '' --appendonly no</c>),
/// killed on dispose. It runs the <c>redis-server</c> on the PATH, else Debian's package unpacked without root into a cache
/// folder (<c>apt-get download redis-server redis-tools liblzf1 libjemalloc2</c>, <c>dpkg -x</c>, run with LD_LIBRARY_PATH). A server
/// that cannot be had fails the test with the reason: a cluster test never passes without one.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    private static readonly string[] Packages = ["redis-server", "redis-tools", "liblzf1", "libjemalloc2"];
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RedisServer(string binary, string? libraries)
    {
        Port = FreePort();
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
            info.ArgumentList.Add(a);
        if (libraries is not null) info.Environment["LD_LIBRARY_PATH"] = libraries;
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!Ping())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                Dispose();
                lock (_output) Assert.Fail($"redis-server ({binary}) did not answer PING on port {Port}: {_output}");
            }
            Thread.Sleep(100);
        }
    }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>The cluster connection string of this server.</summary>
    public string Connection => $"redis://127.0.0.1:{Port}";

    /// <summary>Starts a server (finding or unpacking the binary first).</summary>
    public static RedisServer Start()
    {
        var (binary, libraries) = Find();
        return new RedisServer(binary, libraries);
    }

    /// <summary>A free loopback TCP port.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static (string Binary, string? Libraries) Find()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate)) return (candidate, null);
        }
        string home = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h && Directory.Exists(h) ? Path.Combine(h, ".cache") : Path.GetTempPath();
        string cache = Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x : home, "gflownetml", "redis-debian");
        string root = Path.Combine(cache, "root"), binary = Path.Combine(root, "usr", "bin", "redis-server");
        string libraries = Path.Combine(root, "usr", "lib", "x86_64-linux-gnu");
        if (File.Exists(binary)) return (binary, libraries);
        string debs = Path.Combine(cache, "debs");
        Directory.CreateDirectory(debs);
        var (code, output) = Run("apt-get", debs, ["download", .. Packages]);
        if (code != 0)
            Assert.Fail($"no redis-server on the PATH, and 'apt-get download {string.Join(' ', Packages)}' failed (exit {code}; run 'apt-get update' first, or install redis-server): {output}");
        string staging = root + ".tmp";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        foreach (string deb in Directory.GetFiles(debs, "*.deb"))
        {
            var (unpacked, unpackOutput) = Run("dpkg", debs, ["-x", deb, staging]);
            if (unpacked != 0) Assert.Fail($"dpkg -x {deb} failed (exit {unpacked}): {unpackOutput}");
        }
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        Directory.Move(staging, root);
        if (!File.Exists(binary)) Assert.Fail($"the unpacked Debian packages hold no {binary}.");
        return (binary, libraries);
    }

    private static (int Code, string Output) Run(string file, string directory, string[] args)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(info)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            string stderr = p.StandardError.ReadToEnd();
            if (!p.WaitForExit(TimeSpan.FromMinutes(3))) { p.Kill(); return (-1, "timed out"); }
            return (p.ExitCode, stdout.Result + stderr);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"{file} could not be started: {e.Message}");
        }
    }

    private bool Ping()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            stream.ReadTimeout = 1000;
            stream.Write("PING\r\n"u8);
            var buffer = new byte[16];
            int n = stream.Read(buffer);
            return Encoding.ASCII.GetString(buffer, 0, n).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException) { return false; }
        catch (IOException) { return false; }
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(); _process.WaitForExit(5000); }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
