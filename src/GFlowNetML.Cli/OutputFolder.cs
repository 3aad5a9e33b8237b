namespace GFlowNetML.Cli;

/// <summary>The <c>--out</c> folder of a command.</summary>
internal static class OutputFolder
{
    /// <summary>Creates the folder if needed and proves it writable, or throws a <see cref="UsageException"/> naming --out.</summary>
    public static void EnsureWritable(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            string probe = Path.Combine(directory, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UsageException($"--out '{directory}' is not a writable folder: {e.Message}");
        }
    }
}

/// <summary>An <see cref="IProgress{T}"/> that calls back on the reporting thread (no synchronisation context).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
