namespace GFlowNetML.Cli;

/// <summary>A run that failed after its work so far was kept on disk: the message is the one line the user sees (what
/// failed, what to change, where the work is) and the exit code is the run-time failure's (1).</summary>
internal sealed class RunFailedException(string message, Exception inner) : Exception(message, inner);
