namespace GFlowNetML.Cli;

/// <summary>
/// One run per output folder: an exclusive lock on <c>DIR/.gflownet.lock</c> held for the whole command (an advisory
/// <c>flock</c>, which .NET takes for <see cref="FileShare.None"/> on Linux and the kernel drops when the process dies, even
/// by SIGKILL). A second process that wants the folder is refused with one line naming the folder and the process that
/// holds it (its id is written to <c>DIR/.gflownet.lock.pid</c>). Both files are removed when the command ends.
/// </summary>
internal sealed class RunLock : IDisposable
{
    /// <summary>The lock file's name inside the folder.</summary>
    public const string FileName = ".gflownet.lock";

    private FileStream? _lock;
    private string? _pidFile;

    /// <summary>Locks <paramref name="directory"/> (it must exist) for this process until <see cref="Dispose"/>, or throws a
    /// <see cref="UsageException"/> naming <paramref name="option"/> and the folder when another process holds it.</summary>
    public void Acquire(string directory, string option)
    {
        if (_lock is not null) throw new InvalidOperationException("This run lock already holds a folder.");
        string path = Path.Combine(directory, FileName), pidFile = path + ".pid";
        try
        {
            _lock = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException)
        {
            string holder = "another process";
            try { if (int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid)) holder = $"process {pid}"; }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            throw new UsageException($"{option} '{directory}' is in use by {holder} (another gflownet run writes there); wait for it to end or choose another folder.");
        }
        _pidFile = pidFile;
        try { File.WriteAllText(pidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Releases the folder, if one is held.</summary>
    public void Dispose()
    {
        if (_lock is null) return;
        // Both files go while the lock is still held, so that the folder is left as the run wrote it.
        try
        {
            if (_pidFile is not null) File.Delete(_pidFile);
            File.Delete(_lock.Name);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        _lock.Dispose();
        _lock = null;
    }
}
