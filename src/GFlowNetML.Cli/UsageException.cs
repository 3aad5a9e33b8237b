namespace GFlowNetML.Cli;

/// <summary>Bad command-line input: the program prints the message on one line and exits with code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
