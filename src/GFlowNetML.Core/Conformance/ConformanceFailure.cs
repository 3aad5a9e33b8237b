namespace GFlowNetML.Conformance;

/// <summary>One broken rule found by <see cref="EnvironmentConformance.Check"/>.</summary>
/// <param name="Check">The check that failed, one of the names in <see cref="ConformanceCheck"/>.</param>
/// <param name="Message">What broke, with the states (formatted by the environment's <c>Format</c>) and the actions.</param>
public sealed record ConformanceFailure(string Check, string Message)
{
    /// <summary><c>check: message</c>.</summary>
    public override string ToString() => $"{Check}: {Message}";
}
