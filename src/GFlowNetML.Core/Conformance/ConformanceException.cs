namespace GFlowNetML.Conformance;

/// <summary>Thrown by <see cref="ConformanceReport.ThrowIfFailed"/>: an environment broke the rules of
/// <see cref="Environments.GFlowNetEnvironment"/>; the message lists every failure.</summary>
public sealed class ConformanceException : Exception
{
    /// <summary>Creates the exception for a failed report.</summary>
    /// <param name="message">The message, listing the failures.</param>
    /// <param name="failures">The failures.</param>
    public ConformanceException(string message, IReadOnlyList<ConformanceFailure> failures) : base(message)
    {
        Failures = failures ?? throw new ArgumentNullException(nameof(failures));
    }

    /// <summary>The failures of the report.</summary>
    public IReadOnlyList<ConformanceFailure> Failures { get; }
}
