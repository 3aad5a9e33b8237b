using System.Runtime.InteropServices;

namespace GFlowNetML.Onnx.Tests;

/// <summary>Redirects file descriptor 2 (what native code such as ONNX Runtime writes to) and Console.Error into a
/// temporary file while it is alive; <see cref="Finish"/> restores them and returns what was written.</summary>
internal sealed class StandardErrorCapture
{
    [DllImport("libc", SetLastError = true)] private static extern int dup(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int dup2(int fd, int fd2);
    [DllImport("libc", SetLastError = true)] private static extern int close(int fd);
    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)] private static extern int open(string path, int flags, int mode);

    private const int O_WRONLY = 1, O_CREAT = 0x40, O_TRUNC = 0x200;
    private readonly string _path = Path.GetTempFileName();
    private readonly int _saved;
    private readonly TextWriter _oldError = Console.Error;
    private readonly StringWriter _managed = new();

    public StandardErrorCapture()
    {
        int file = open(_path, O_WRONLY | O_CREAT | O_TRUNC, 0x180);
        Assert.IsGreaterThanOrEqualTo(0, file, "open the capture file");
        _saved = dup(2);
        Assert.IsGreaterThanOrEqualTo(0, _saved, "dup(2)");
        Assert.AreEqual(2, dup2(file, 2), "dup2(file, 2)");
        close(file);
        Console.SetError(_managed);
    }

    public string Finish()
    {
        Console.SetError(_oldError);
        dup2(_saved, 2);
        close(_saved);
        string native = File.ReadAllText(_path);
        File.Delete(_path);
        return native + _managed;
    }
}
