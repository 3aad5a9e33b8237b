namespace GFlowNetML.Notebooks.Tests;

/// <summary>One cell's result as dotnet-repl reports it in its TRX file.</summary>
/// <param name="Name">The TRX test name: <c>Cell    N: </c> and the cell's first line.</param>
/// <param name="Outcome">Passed or Failed.</param>
/// <param name="Message">The error (compiler diagnostics or the exception with its stack), empty when it passed.</param>
/// <param name="Output">What the cell wrote to standard output.</param>
internal sealed record NotebookCell(string Name, string Outcome, string Message, string Output)
{
    public bool Passed => Outcome == "Passed";

    public override string ToString()
        => $"{Name}: {Outcome}{Environment.NewLine}  error: {Message.Trim()}{Environment.NewLine}  output: {Output.Trim()}";
}
