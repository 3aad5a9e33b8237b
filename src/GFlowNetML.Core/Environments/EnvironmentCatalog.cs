using System.Globalization;

namespace GFlowNetML.Environments;

/// <summary>
/// Recreates the built-in environments from their <see cref="GFlowNetEnvironment.Name"/> and
/// <see cref="GFlowNetEnvironment.Parameters"/>: what a sampler model file needs to describe its samples.
/// </summary>
public static class EnvironmentCatalog
{
    private static readonly Dictionary<string, Func<ParameterReader, GFlowNetEnvironment>> Factories = new(StringComparer.Ordinal)
    {
        ["hypergrid"] = p => new HyperGrid(p.Int("ndim"), p.Int("height"), p.Double("r0"), p.Double("r1"), p.Double("r2")),
        ["sequence"] = SequenceEnvironment.FromParameters,
        ["dag"] = DagEnvironment.FromCatalog,
        ["bitseq"] = p => p.Optional("codes") is string codes
            ? new BitSequence(p.Int("word"), codes.Split(','), p.Double("temperature"), p.Int("mode-radius"))
            : new BitSequence(p.Int("bits"), p.Int("word"), p.Int("codebook"), p.Double("temperature"), p.Long("seed"), p.Int("mode-radius")),
    };

    /// <summary>The names of the environments <see cref="Create"/> knows.</summary>
    public static IReadOnlyCollection<string> Names => Factories.Keys;

    /// <summary>Creates a built-in environment from its name and parameters.</summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <param name="parameters">The parameters, as <see cref="GFlowNetEnvironment.Parameters"/> writes them.</param>
    /// <exception cref="ArgumentException">The name is unknown, a parameter is missing or does not parse.</exception>
    public static GFlowNetEnvironment Create(string name, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(parameters);
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
