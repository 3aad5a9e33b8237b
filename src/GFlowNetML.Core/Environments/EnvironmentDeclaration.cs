using GFlowNetML.Parameters;

namespace GFlowNetML.Environments;

/// <summary>
/// A built-in environment's parameters, declared once (name, type, default, range, description), and how to build the
/// environment from them. The catalog (<see cref="EnvironmentCatalog.Create"/>), the <c>gflownet</c> command's
/// environment options and their help, and the run files derive from it.
/// </summary>
public sealed class EnvironmentDeclaration
{
    private readonly Func<ParameterValues, GFlowNetEnvironment> _create;

    internal EnvironmentDeclaration(string name, string summary, IReadOnlyList<ParameterDeclaration> parameters, Func<ParameterValues, GFlowNetEnvironment> create)
        => (Name, Summary, Parameters, _create) = (name, summary, parameters, create);

    /// <summary>The environment's name (<c>hypergrid</c>, <c>sequence</c>, <c>qm9</c>, <c>dag</c>, <c>bitseq</c>).</summary>
    public string Name { get; }

    /// <summary>One line saying what the environment is.</summary>
    public string Summary { get; }

    /// <summary>The parameters, in the order help lists them.</summary>
    public IReadOnlyList<ParameterDeclaration> Parameters { get; }

    /// <summary>Checks each given value against its declaration.</summary>
    /// <param name="given">Values by parameter name.</param>
    /// <param name="spell">How messages spell a parameter (<c>--height</c>); default <c>'height'</c>.</param>
    /// <exception cref="ParameterException">A name is not a parameter of this environment, or a value is out of range.</exception>
    public ParameterValues Check(IReadOnlyDictionary<string, string> given, Func<string, string>? spell = null)
        => ParameterValues.Check(Parameters, given, spell, Name);

    /// <summary>Builds the environment; the checks that involve several parameters (sizes, files) are made here.</summary>
    /// <exception cref="ParameterException">Parameters conflict or a file they name does not exist.</exception>
    /// <exception cref="ArgumentException">The environment rejects the combination (e.g. a space too large to encode).</exception>
    public GFlowNetEnvironment Create(ParameterValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return _create(values);
    }

    /// <summary>Checks <paramref name="given"/> and builds the environment.</summary>
    public GFlowNetEnvironment Create(IReadOnlyDictionary<string, string> given) => Create(Check(given));
}
