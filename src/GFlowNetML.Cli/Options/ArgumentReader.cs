using System.Globalization;
using GFlowNetML.Parameters;

namespace GFlowNetML.Cli;

/// <summary>
/// Reads <c>--name value</c> options (of an <see cref="OptionTable"/>). Unknown options are rejected up front, with the
/// closest known name as a suggestion; every accessor validates against the option's declaration (its default and range)
/// and throws <see cref="UsageException"/> with one line naming the option and its allowed values.
/// </summary>
internal sealed class ArgumentReader
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    /// <param name="command">The command, for messages.</param>
    /// <param name="args">The arguments after the command.</param>
    /// <param name="optionNames">The options the command accepts (without the leading dashes).</param>
    /// <param name="flagNames">The options among them that take no value.</param>
    public ArgumentReader(string command, IEnumerable<string> args, IReadOnlyCollection<string> optionNames, IReadOnlySet<string>? flagNames = null)
    {
        flagNames ??= new HashSet<string>();
        var known = new HashSet<string>(optionNames, StringComparer.Ordinal);
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            string arg = list[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new UsageException($"Unexpected argument '{arg}'; options look like --name value.");
            string name = arg[2..];
            string? inline = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { inline = name[(eq + 1)..]; name = name[..eq]; }
            if (!known.Contains(name) && !flagNames.Contains(name))
                throw new UsageException(OptionTable.Suggest(name, known.Concat(flagNames)) is { } near
                    ? $"Unknown option --{name} for '{command}'; did you mean --{near}?"
                    : $"Unknown option --{name} for '{command}'; 'gflownet {command} --help' lists its options.");
            if (flagNames.Contains(name))
            {
                if (inline is not null) throw new UsageException($"--{name} takes no value.");
                _flags.Add(name);
                continue;
            }
            string value = inline ?? (i + 1 < list.Count && !IsOption(list[i + 1]) ? list[++i] : throw new UsageException($"--{name} needs a value."));
            if (!_values.TryAdd(name, value)) throw new UsageException($"--{name} is given twice.");
        }
    }

    /// <summary>"--name" is an option; "-1" or "-0.5" is a (negative) value.</summary>
    private static bool IsOption(string arg) => arg.StartsWith("--", StringComparison.Ordinal);

    /// <summary>The options given, as arguments again (<c>--name value</c>, flags alone, by name), less <paramref name="except"/>.</summary>
    public string[] ToArguments(params string[] except)
        => [.. _values.Where(v => !except.Contains(v.Key)).OrderBy(v => v.Key, StringComparer.Ordinal).SelectMany(v => new[] { "--" + v.Key, v.Value }),
            .. _flags.Where(f => !except.Contains(f)).Order(StringComparer.Ordinal).Select(f => "--" + f)];

    /// <summary>Whether <paramref name="option"/> was given.</summary>
    public bool Has(ParameterDeclaration option) => Has(option.Name);

    /// <summary>Whether the switch <paramref name="option"/> was given.</summary>
    public bool Flag(ParameterDeclaration option) => Flag(option.Name);

    /// <summary>The value of <paramref name="option"/>, checked against its declaration, in canonical form; its declared
    /// default where it was not given (null where it has none).</summary>
    public string? Value(ParameterDeclaration option)
    {
        string? raw = String(option.Name);
        if (raw is null) return option.Default;
        try { return option.Check(raw, "--" + option.Name); }
        catch (ParameterException e) { throw new UsageException(e.Message); }
    }

    /// <summary>An integer option's value (given or its declared default).</summary>
    public int Int(ParameterDeclaration option)
    {
        long v = Long(option);
        return v is >= int.MinValue and <= int.MaxValue ? (int)v : (int)Long(option with { Maximum = Math.Min(option.Maximum, int.MaxValue), Minimum = Math.Max(option.Minimum, int.MinValue) });
    }

    /// <summary>A 64-bit integer option's value (given or its declared default).</summary>
    public long Long(ParameterDeclaration option) => long.Parse(Required(option), NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>A number option's value (given or its declared default).</summary>
    public double Double(ParameterDeclaration option) => double.Parse(Required(option), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>A text or choice option's value (given or its declared default), or null.</summary>
    public string? String(ParameterDeclaration option) => Value(option);

    private string Required(ParameterDeclaration option)
        => Value(option) ?? throw new InvalidOperationException($"--{option.Name} has no default; read it with Has first.");

    public bool Has(string name) => _values.ContainsKey(name) || _flags.Contains(name);

    public bool Flag(string name) => _flags.Contains(name);

    public string? String(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public string String(string name, string fallback) => String(name) ?? fallback;

    /// <summary>An integer in min..max (the commands that have no option table yet: the bench commands).</summary>
    public int Int(string name, int fallback, int min, int max = int.MaxValue)
        => Int(ParameterDeclaration.Integer(name, fallback, min, max == int.MaxValue ? long.MaxValue : max, ""));

    /// <summary>Any 64-bit integer.</summary>
    public long Long(string name, long fallback) => Long(ParameterDeclaration.Seed(name, "") with { Default = fallback.ToString(CultureInfo.InvariantCulture) });

    /// <summary>A finite number in [min, max] (or (min, max] when <paramref name="exclusiveMin"/>).</summary>
    public double Double(string name, double fallback, double min, double max = double.PositiveInfinity, bool exclusiveMin = false)
        => Double(ParameterDeclaration.Number(name, fallback, min, max, "", exclusiveMin));

    /// <summary>Rejects options that were given but are not accepted in the current mode (e.g. with --resume).</summary>
    public void EnsureOnly(IReadOnlyCollection<string> accepted, string mode)
    {
        foreach (var name in _values.Keys.Concat(_flags))
            if (!accepted.Contains(name))
                throw new UsageException($"--{name} cannot be used with {mode}; allowed there: {string.Join(", ", accepted.Select(n => "--" + n))}.");
    }
}
