using System.Globalization;

namespace GFlowNetML.Parameters;

/// <summary>
/// One parameter, declared once: its name, type, default, range and description. Parsing, validation (with one wording),
/// help text and serialized forms (run files, model metadata) all derive from it — for an environment's parameters
/// (<see cref="Environments.EnvironmentDeclaration"/>) and for the options of the <c>gflownet</c> commands alike.
/// </summary>
public sealed record ParameterDeclaration
{
    /// <summary>The name, lower-case words joined by dashes (<c>data-seed</c>): the command-line option without its
    /// dashes, the key of run files and of model metadata.</summary>
    public required string Name { get; init; }

    /// <summary>The type of the value.</summary>
    public required ParameterKind Kind { get; init; }

    /// <summary>What the parameter means, one sentence for help text.</summary>
    public required string Description { get; init; }

    /// <summary>The default in the invariant culture, or <c>null</c> when there is none (the parameter is then optional
    /// and unset, or required: see <see cref="DefaultText"/>).</summary>
    public string? Default { get; init; }

    /// <summary>What help shows for a parameter without <see cref="Default"/> (e.g. <c>none</c>, <c>required</c>,
    /// <c>the file's columns</c>); default <c>none</c>.</summary>
    public string NoDefault { get; init; } = "none";

    /// <summary>The smallest allowed value of an <see cref="ParameterKind.Integer"/> or <see cref="ParameterKind.Number"/>;
    /// default: no lower bound.</summary>
    public double Minimum { get; init; } = double.NegativeInfinity;

    /// <summary>The largest allowed value; default: no upper bound.</summary>
    public double Maximum { get; init; } = double.PositiveInfinity;

    /// <summary>Whether <see cref="Minimum"/> itself is excluded (a number greater than it); default false.</summary>
    public bool ExclusiveMinimum { get; init; }

    /// <summary>The allowed names of a <see cref="ParameterKind.Choice"/>, in the order messages list them.</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>The placeholder of the value in a synopsis (<c>FILE</c>, <c>N</c>); default from the kind.</summary>
    public string? ValueName { get; init; }

    /// <summary>The default as help shows it.</summary>
    public string DefaultText => Default ?? NoDefault;

    /// <summary>The allowed values as help shows them: <c>1..64</c>, <c>(0, ∞)</c>, <c>[0, 1]</c>, <c>a|b|c</c>, or empty.</summary>
    public string RangeText => Kind switch
    {
        ParameterKind.Integer when double.IsNegativeInfinity(Minimum) && double.IsPositiveInfinity(Maximum) => "",
        ParameterKind.Integer => double.IsPositiveInfinity(Maximum) ? $"≥ {Format(Minimum)}" : $"{Format(Minimum)}..{Format(Maximum)}",
        ParameterKind.Number when double.IsNegativeInfinity(Minimum) && double.IsPositiveInfinity(Maximum) => "",
        ParameterKind.Number => double.IsPositiveInfinity(Maximum)
            ? (ExclusiveMinimum ? $"> {Format(Minimum)}" : $"≥ {Format(Minimum)}")
            : $"{(ExclusiveMinimum ? "(" : "[")}{Format(Minimum)}, {Format(Maximum)}]",
        ParameterKind.Choice => string.Join("|", Choices),
        _ => "",
    };

    /// <summary>The placeholder of the value in a synopsis.</summary>
    public string Placeholder => ValueName ?? Kind switch
    {
        ParameterKind.Integer => "N",
        ParameterKind.Number => "X",
        ParameterKind.Choice => string.Join("|", Choices),
        ParameterKind.Flag => "",
        _ => "TEXT",
    };

    /// <summary>Checks <paramref name="raw"/> against the kind and range and returns it in its canonical form (the
    /// invariant culture; a choice as declared).</summary>
    /// <param name="raw">The value as given.</param>
    /// <param name="spelled">How the caller spells the parameter in the message (<c>--height</c>, <c>'height'</c>).</param>
    /// <exception cref="ParameterException">The value does not parse or lies outside the range; the message reads
    /// <c>{spelled} must be an integer in 2..1048576; got '1'.</c></exception>
    public string Check(string raw, string spelled)
    {
        ArgumentNullException.ThrowIfNull(raw);
        switch (Kind)
        {
            case ParameterKind.Integer:
                if (!long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out long i) || i < Minimum || i > Maximum)
                    throw new ParameterException(Name, $"{spelled} must be an integer{IntegerRange()}; got '{raw}'.");
                return i.ToString(CultureInfo.InvariantCulture);
            case ParameterKind.Number:
                bool ok = double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
                    && (ExclusiveMinimum ? v > Minimum : v >= Minimum) && v <= Maximum;
                if (!ok) throw new ParameterException(Name, $"{spelled} must be a number{NumberRange()}; got '{raw}'.");
                return v.ToString("R", CultureInfo.InvariantCulture);
            case ParameterKind.Choice:
                return Choices.FirstOrDefault(c => c == raw)
                    ?? throw new ParameterException(Name, $"{spelled} must be one of: {string.Join(", ", Choices)}; got '{raw}'.");
            case ParameterKind.Flag:
                return raw is "true" or "false" ? raw : throw new ParameterException(Name, $"{spelled} takes no value.");
            default:
                return raw;
        }
    }

    private string IntegerRange()
    {
        if (double.IsNegativeInfinity(Minimum) && double.IsPositiveInfinity(Maximum)) return "";
        return double.IsPositiveInfinity(Maximum) ? $" of at least {Format(Minimum)}" : $" in {Format(Minimum)}..{Format(Maximum)}";
    }

    private string NumberRange()
    {
        if (double.IsNegativeInfinity(Minimum) && double.IsPositiveInfinity(Maximum)) return "";
        if (double.IsPositiveInfinity(Maximum)) return ExclusiveMinimum ? $" greater than {Format(Minimum)}" : $" of at least {Format(Minimum)}";
        return $" in {(ExclusiveMinimum ? "(" : "[")}{Format(Minimum)}, {Format(Maximum)}]";
    }

    /// <summary>A number in the invariant culture, round-trip (<c>0.001</c>, <c>1048576</c>).</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An integer parameter in minimum..maximum (<see cref="long.MaxValue"/>: no upper bound).</summary>
    public static ParameterDeclaration Integer(string name, long? @default, long minimum, long maximum, string description) => new()
    {
        Name = name, Kind = ParameterKind.Integer, Description = description, Minimum = minimum,
        Maximum = maximum == long.MaxValue ? double.PositiveInfinity : maximum, Default = @default?.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>An integer parameter without bounds (a seed).</summary>
    public static ParameterDeclaration Seed(string name, string description) => new()
    {
        Name = name, Kind = ParameterKind.Integer, Description = description, Default = "0",
    };

    /// <summary>A number parameter in [minimum, maximum] (or (minimum, maximum] with <paramref name="exclusiveMinimum"/>).</summary>
    public static ParameterDeclaration Number(string name, double? @default, double minimum, double maximum, string description, bool exclusiveMinimum = false) => new()
    {
        Name = name, Kind = ParameterKind.Number, Description = description, Minimum = minimum, Maximum = maximum,
        ExclusiveMinimum = exclusiveMinimum, Default = @default is double d ? Format(d) : null,
    };

    /// <summary>A choice among <paramref name="choices"/>.</summary>
    public static ParameterDeclaration Choice(string name, string @default, IReadOnlyList<string> choices, string description) => new()
    {
        Name = name, Kind = ParameterKind.Choice, Description = description, Default = @default, Choices = choices,
    };

    /// <summary>A text parameter (a path, a list) without a default.</summary>
    public static ParameterDeclaration Text(string name, string valueName, string description, string noDefault = "none") => new()
    {
        Name = name, Kind = ParameterKind.Text, Description = description, ValueName = valueName, NoDefault = noDefault,
    };

    /// <summary>A switch without a value.</summary>
    public static ParameterDeclaration Flag(string name, string description) => new()
    {
        Name = name, Kind = ParameterKind.Flag, Description = description, NoDefault = "off",
    };
}
