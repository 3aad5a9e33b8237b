namespace GFlowNetML.Parameters;

/// <summary>A parameter's value is missing, does not parse, lies outside its range or conflicts with another parameter.
/// The message is one line that names the parameter as the caller spells it (<c>--height</c> on a command line,
/// <c>'height'</c> in a catalog call) and says what is allowed.</summary>
public sealed class ParameterException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="parameter">The declared name of the parameter at fault.</param>
    /// <param name="message">The one-line message.</param>
    public ParameterException(string parameter, string message) : base(message) => Parameter = parameter;

    /// <summary>The declared name of the parameter at fault.</summary>
    public string Parameter { get; }
}
