using System.Globalization;

namespace GFlowNetML.Environments;

/// <summary>
/// The built-in environments: their declared parameters (<see cref="Declarations"/>, the one vocabulary of the
/// <c>gflownet</c> command's environment options and of run.json), and their recreation from
/// <see cref="GFlowNetEnvironment.Name"/> and <see cref="GFlowNetEnvironment.Parameters"/>: what a sampler model file
/// needs to describe its samples.
/// </summary>
/// <remarks>
/// The hyper-grid's model metadata uses the declared names. The model metadata of the sequence, DAG and bit-sequence
/// tasks keeps the spelling sampler files have always carried (the sequence's <c>reward</c>/<c>path</c>/<c>seed</c>, the
/// DAG's <c>expected_edges</c>/<c>seed</c>/<c>alpha_mu</c>/<c>alpha_w</c>, the bit sequence's <c>seed</c>/<c>codes</c>),
/// so that every model file written before reads back; <see cref="Create"/> reads that spelling for those names, and the
/// declared names through <see cref="Declaration"/>.
/// </remarks>
public static class EnvironmentCatalog
{
    /// <summary>The built-in environments' declarations, in the order messages list them: hypergrid, sequence, qm9, dag, bitseq.</summary>
    public static IReadOnlyList<EnvironmentDeclaration> Declarations { get; } =
        [HyperGrid.Declaration, SequenceEnvironment.Declaration, SequenceEnvironment.Qm9Declaration, DagEnvironment.Declaration, BitSequence.Declaration];

    /// <summary>The declaration named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No built-in environment has that name; the message lists the names.</exception>
    public static EnvironmentDeclaration Declaration(string name)
        => Declarations.FirstOrDefault(d => d.Name == name)
            ?? throw new ArgumentException($"Unknown environment '{name}'; the built-in environments are: {string.Join(", ", Declarations.Select(d => d.Name))}.", nameof(name));

    private static readonly Dictionary<string, Func<ParameterReader, GFlowNetEnvironment>> Factories = new(StringComparer.Ordinal)
    {
        // A model file names all five; a missing one is a damaged file, not a default (the checks are the declaration's).
        ["hypergrid"] = p => HyperGrid.Declaration.Create(HyperGrid.Declaration.Parameters.ToDictionary(d => d.Name, d => p.String(d.Name))),
        ["sequence"] = SequenceEnvironment.FromParameters,
        ["dag"] = DagEnvironment.FromCatalog,
        ["bitseq"] = p => p.Optional("codes") is string codes
            ? new BitSequence(p.Int("word"), codes.Split(','), p.Double("temperature"), p.Int("mode-radius"))
            : new BitSequence(p.Int("bits"), p.Int("word"), p.Int("codebook"), p.Double("temperature"), p.Long("seed"), p.Int("mode-radius")),
    };

    /// <summary>The names of the environments <see cref="Create"/> knows.</summary>
    public static IReadOnlyCollection<string> Names => Factories.Keys;

    /// <summary>Creates a built-in environment from its name and parameters: the declared parameters
    /// (<see cref="Declaration"/>, e.g. <c>dag</c> with <c>nodes</c>, <c>edges</c>, <c>data-seed</c>; the others take
    /// their declared defaults), or the parameters a sampler model file carries (<see cref="GFlowNetEnvironment.Parameters"/>).
    /// A hyper-grid needs all five of its parameters here (as a model file names them); its declaration's
    /// <see cref="EnvironmentDeclaration.Create(IReadOnlyDictionary{string, string})"/> fills in defaults.</summary>
    /// <param name="name">One of <see cref="Names"/>, or <c>qm9</c>.</param>
    /// <param name="parameters">The parameters by name, in the invariant culture.</param>
    /// <exception cref="ArgumentException">The name is unknown, a parameter is missing, does not parse or lies outside its
    /// declared range (<see cref="Parameters.ParameterException"/>, naming it as <c>'name'</c>).</exception>
    public static GFlowNetEnvironment Create(string name, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(parameters);
        // The hyper-grid's model-file spelling is its declared one, read strictly (every parameter named) by its factory.
        var declaration = Declarations.FirstOrDefault(d => d.Name == name && d.Name != "hypergrid");
        bool declared = declaration is not null && parameters.Keys.All(k => declaration.Parameters.Any(p => p.Name == k));
        if (declared || (declaration is not null && !Factories.ContainsKey(name))) return declaration!.Create(parameters);
        if (!Factories.TryGetValue(name, out var factory))
            throw new ArgumentException($"Unknown environment '{name}'; the built-in environments are: {string.Join(", ", Factories.Keys)}.", nameof(name));
        return factory(new ParameterReader(name, parameters));
    }

    /// <summary>Formats parameters in the invariant culture (doubles round-trip), for <see cref="GFlowNetEnvironment.Parameters"/>.</summary>
    public static IReadOnlyDictionary<string, string> Invariant(params (string Key, object Value)[] parameters)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
            result[key] = value switch
            {
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                float f => f.ToString("R", CultureInfo.InvariantCulture),
                IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            };
        return result;
    }

    /// <summary>Reads typed parameters with messages that name the environment and the parameter.</summary>
    internal sealed class ParameterReader(string environment, IReadOnlyDictionary<string, string> parameters)
    {
        public IReadOnlyDictionary<string, string> All => parameters;

        public string String(string key) => parameters.TryGetValue(key, out var v)
            ? v
            : throw new ArgumentException($"The '{environment}' environment needs the parameter '{key}'.", nameof(parameters));

        public string? Optional(string key) => parameters.TryGetValue(key, out var v) ? v : null;

        public int Int(string key) => int.TryParse(String(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new ArgumentException($"The '{environment}' parameter '{key}' must be an integer; got '{String(key)}'.", nameof(parameters));

        public long Long(string key) => long.TryParse(String(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new ArgumentException($"The '{environment}' parameter '{key}' must be an integer; got '{String(key)}'.", nameof(parameters));

        public double Double(string key) => double.TryParse(String(key), NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new ArgumentException($"The '{environment}' parameter '{key}' must be a number; got '{String(key)}'.", nameof(parameters));
    }
}
