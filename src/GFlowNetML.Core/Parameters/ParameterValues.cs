using System.Globalization;

namespace GFlowNetML.Parameters;

/// <summary>
/// The values of a set of declared parameters, checked against their declarations: read with the declared defaults, and
/// with messages that spell each parameter as the caller does (<c>--height</c> on a command line, <c>'height'</c> in a
/// catalog call).
/// </summary>
public sealed class ParameterValues
{
    private readonly IReadOnlyList<ParameterDeclaration> _declarations;
    private readonly Dictionary<string, string> _given;
    private readonly Func<string, string> _spell;

    private ParameterValues(IReadOnlyList<ParameterDeclaration> declarations, Dictionary<string, string> given, Func<string, string> spell)
        => (_declarations, _given, _spell) = (declarations, given, spell);

    /// <summary>Checks every value of <paramref name="given"/> against its declaration (in declaration order, so the first
    /// bad one is reported).</summary>
    /// <param name="declarations">The declared parameters.</param>
    /// <param name="given">The values given, by declared name.</param>
    /// <param name="spell">How messages spell a parameter's name; default <c>'name'</c>.</param>
    /// <param name="owner">What the parameters belong to, for the message about an undeclared name (e.g. <c>hypergrid</c>).</param>
    /// <exception cref="ParameterException">A name is not declared, or a value does not parse or lies outside its range.</exception>
    public static ParameterValues Check(IReadOnlyList<ParameterDeclaration> declarations, IReadOnlyDictionary<string, string> given, Func<string, string>? spell = null, string owner = "this set")
    {
        ArgumentNullException.ThrowIfNull(declarations);
        ArgumentNullException.ThrowIfNull(given);
        spell ??= Quoted;
        foreach (var name in given.Keys)
            if (!declarations.Any(d => d.Name == name))
                throw new ParameterException(name, $"{spell(name)} is not a parameter of {owner}; its parameters are: {string.Join(", ", declarations.Select(d => d.Name))}.");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in declarations)
            if (given.TryGetValue(d.Name, out var raw)) values[d.Name] = d.Check(raw, spell(d.Name));
        return new ParameterValues(declarations, values, spell);
    }

    /// <summary>The default spelling of a parameter in messages: <c>'name'</c>.</summary>
    public static string Quoted(string name) => $"'{name}'";

    /// <summary>How messages spell <paramref name="name"/>.</summary>
    public string Spell(string name) => _spell(name);

    /// <summary>The values given (canonical text, by declared name), without defaults.</summary>
    public IReadOnlyDictionary<string, string> Given => _given;

    /// <summary>Whether <paramref name="name"/> was given.</summary>
    public bool Has(string name) => _given.ContainsKey(name);

    /// <summary>The value given, else the declared default, else null.</summary>
    public string? Text(string name) => _given.TryGetValue(name, out var v) ? v : Declaration(name).Default;

    /// <summary>An integer parameter's value (given or default).</summary>
    public int Int(string name) => (int)Long(name);

    /// <summary>An integer parameter's value, or null where it was not given and has no default.</summary>
    public int? OptionalInt(string name) => Text(name) is null ? null : Int(name);

    /// <summary>A 64-bit integer parameter's value (given or default).</summary>
    public long Long(string name) => long.Parse(Required(name), NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>A number parameter's value (given or default).</summary>
    public double Double(string name) => double.Parse(Required(name), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>The declaration of <paramref name="name"/>.</summary>
    public ParameterDeclaration Declaration(string name)
        => _declarations.FirstOrDefault(d => d.Name == name) ?? throw new KeyNotFoundException($"No parameter '{name}' is declared.");

    private string Required(string name) => Text(name) ?? throw new ParameterException(name, $"{_spell(name)} is required.");
}
