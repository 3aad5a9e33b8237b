using System.Globalization;

namespace GFlowNetML.Cli;

/// <summary>
/// Reads <c>--name value</c> options. Unknown options are rejected up front; every accessor validates and throws
/// <see cref="UsageException"/> with one line naming the option and its allowed values.
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
                throw new UsageException($"Unknown option --{name} for '{command}'; allowed options: {string.Join(", ", known.Order(StringComparer.Ordinal).Select(n => "--" + n))}.");
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

    public bool Has(string name) => _values.ContainsKey(name) || _flags.Contains(name);

    public bool Flag(string name) => _flags.Contains(name);

    public string? String(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public string String(string name, string fallback) => String(name) ?? fallback;

    public int Int(string name, int fallback, int min, int max = int.MaxValue)
    {
        string? raw = String(name);
        if (raw is null) return fallback;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new UsageException($"--{name} must be an integer {Range(min, max)}; got '{raw}'.");
        return v;
    }

    public long Long(string name, long fallback)
    {
        string? raw = String(name);
        if (raw is null) return fallback;
        if (!long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v))
            throw new UsageException($"--{name} must be an integer; got '{raw}'.");
        return v;
    }

    /// <summary>A finite number in [min, max] (or (min, max] when <paramref name="exclusiveMin"/>).</summary>
    public double Double(string name, double fallback, double min, double max = double.PositiveInfinity, bool exclusiveMin = false)
    {
        string? raw = String(name);
        if (raw is null) return fallback;
        bool ok = double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            && (exclusiveMin ? v > min : v >= min) && v <= max;
        if (!ok)
        {
            string lower = exclusiveMin ? $"greater than {Fmt(min)}" : $"of at least {Fmt(min)}";
            string range = double.IsPositiveInfinity(max) ? lower : $"in {(exclusiveMin ? "(" : "[")}{Fmt(min)}, {Fmt(max)}]";
            throw new UsageException($"--{name} must be a number {range}; got '{raw}'.");
        }
        return v;
    }

    /// <summary>Rejects options that were given but are not accepted in the current mode (e.g. with --resume).</summary>
    public void EnsureOnly(IReadOnlyCollection<string> accepted, string mode)
    {
        foreach (var name in _values.Keys.Concat(_flags))
            if (!accepted.Contains(name))
                throw new UsageException($"--{name} cannot be used with {mode}; allowed there: {string.Join(", ", accepted.Select(n => "--" + n))}.");
    }

    private static string Range(int min, int max) => max == int.MaxValue ? $"of at least {min}" : $"in {min}..{max}";

    private static string Fmt(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
