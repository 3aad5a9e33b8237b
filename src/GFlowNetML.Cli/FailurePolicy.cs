namespace GFlowNetML.Cli;

/// <summary>
/// The one place a command's failure becomes what the user sees: one line <c>gflownet COMMAND: cause</c> on stderr and an
/// exit code by class — 2 for usage and bad input, 1 for a run-time failure (I/O, memory, a library that cannot load, any
/// unexpected error), 130 for an interruption. A stack trace follows only with <c>--verbose</c> or
/// <c>GFLOWNETML_VERBOSE=1</c>.
/// </summary>
internal static class FailurePolicy
{
    /// <summary>The exit code of a usage error or bad input.</summary>
    public const int Usage = 2;

    /// <summary>The exit code of a run-time failure.</summary>
    public const int Runtime = 1;

    /// <summary>The exit code of an interrupted command (Ctrl+C, as a shell reports SIGINT).</summary>
    public const int Interrupted = 130;

    /// <summary>The environment variable that turns on stack traces.</summary>
    public const string VerboseVariable = "GFLOWNETML_VERBOSE";

    /// <summary>Whether stack traces are wanted: <c>--verbose</c> was given or <see cref="VerboseVariable"/> is 1 or true.</summary>
    public static bool Verbose(bool flag)
        => flag || Environment.GetEnvironmentVariable(VerboseVariable) is "1" or "true" or "TRUE" or "True";

    /// <summary>The one line (without the <c>gflownet COMMAND: </c> prefix) and the exit code for <paramref name="e"/>.</summary>
    public static (string Line, int ExitCode) Describe(Exception e) => e switch
    {
        ArgumentException { ParamName: not null } a => (OneLine(WithoutParameter(a)), Usage),
        UsageException or ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
            => (OneLine(e.Message), Usage),
        OperationCanceledException => ("interrupted.", Interrupted),
        RunFailedException => (OneLine(e.Message), Runtime),
        OutOfMemoryException => ("out of memory; lower --batch-size or the network sizes (--hidden-width, --hidden-layers).", Runtime),
        UnauthorizedAccessException => ($"permission denied: {OneLine(e.Message)}", Runtime),
        IOException => ($"I/O error: {OneLine(e.Message)}", Runtime),
        InvalidOperationException or NotSupportedException => (OneLine(e.Message), Runtime), // failures the library explains
        _ => ($"unexpected {e.GetType().Name}: {OneLine(e.Message)} (run with --verbose or {VerboseVariable}=1 for the stack trace)", Runtime),
    };

    /// <summary>An ArgumentException's message without the <c> (Parameter 'name')</c> that .NET appends: the library's
    /// parameter name means nothing on a command line.</summary>
    public static string WithoutParameter(ArgumentException e)
        => e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);

    /// <summary>Writes <paramref name="e"/> as the policy says and returns its exit code.</summary>
    public static int Report(string command, Exception e, bool verbose)
    {
        var (line, code) = Describe(e);
        Console.Error.WriteLine($"gflownet {command}: {line}");
        if (verbose) Console.Error.WriteLine(e);
        return code;
    }

    /// <summary>A message on one line (ArgumentOutOfRangeException puts "Actual value was …" on a line of its own), with
    /// every other control character escaped as <c>\uXXXX</c>: a message echoes user data (an option's value, a CSV field),
    /// and an escape sequence or carriage return in it must not reach the terminal.</summary>
    public static string OneLine(string message)
        => EscapeControl(string.Join(" ", message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)));

    /// <summary><paramref name="text"/> with control characters (C0, DEL, C1) written as <c>\uXXXX</c>.</summary>
    public static string EscapeControl(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var b = new System.Text.StringBuilder(text.Length + 16);
        foreach (char c in text)
            if (char.IsControl(c)) b.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else b.Append(c);
        return b.ToString();
    }
}
