namespace GFlowNetML.Cli;

/// <summary>The output locations of a command: an <c>--out</c> folder, or a file such as <c>--export model.onnx</c>.</summary>
internal static class OutputFolder
{
    /// <summary>Creates the folder if needed and proves it writable, or throws a <see cref="UsageException"/> naming --out.</summary>
    public static void EnsureWritable(string directory)
    {
        try { Probe(directory); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UsageException($"--out '{directory}' is not a writable folder: {e.Message}");
        }
    }

    /// <summary>Checks that a file can be written at <paramref name="path"/> (its folder is created), or throws a
    /// <see cref="UsageException"/> naming <paramref name="option"/>.</summary>
    public static void EnsureFileWritable(string path, string option)
    {
        if (Directory.Exists(path)) throw new UsageException($"{option} '{path}' is a folder; give the path of the file to write.");
        try { Probe(Path.GetDirectoryName(Path.GetFullPath(path)) ?? "."); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UsageException($"{option} '{path}' cannot be written: {e.Message}");
        }
    }

    /// <summary>Creates <paramref name="directory"/> and writes and deletes a probe file in it.</summary>
    private static void Probe(string directory)
    {
        Directory.CreateDirectory(directory);
        string probe = Path.Combine(directory, $".write-test-{Environment.ProcessId}");
        File.WriteAllText(probe, "");
        File.Delete(probe);
    }
}
