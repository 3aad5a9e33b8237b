using System.Globalization;

namespace GFlowNetML.Benchmarks;

/// <summary>A usage error: printed as one line, exit code 2.</summary>
internal sealed class BenchUsageException(string message) : Exception(message);

/// <summary>The <c>--name value</c> options of one benchmark command; every read names the option and its allowed values
/// in its error, and options never read are refused by <see cref="CheckAllRead"/>.</summary>
internal sealed class BenchArguments
{
    private readonly string _command;
    private readonly Dictionary<string, string> _values = [];
    private readonly HashSet<string> _read = [];

    public BenchArguments(string command, string[] args)
    {
        _command = command;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "--help" or "-h") { Help = true; continue; }
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new BenchUsageException($"{command}: expected --option value pairs; got '{args[i]}'.");
            _values[args[i][2..]] = args[++i];
        }
    }

    /// <summary>Whether --help was given.</summary>
    public bool Help { get; }

    public string? String(string name)
    {
        _read.Add(name);
        return _values.GetValueOrDefault(name);
    }

    public string String(string name, string fallback) => String(name) ?? fallback;

    public int Int(string name, int fallback, int min, int max = int.MaxValue)
    {
        string? raw = String(name);
        if (raw is null) return fallback;
        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min && v <= max ? v
            : throw new BenchUsageException($"{_command}: --{name} must be an integer in [{min}, {max}]; got '{raw}'.");
    }

    public double Double(string name, double fallback, double min, double max)
    {
        string? raw = String(name);
        if (raw is null) return fallback;
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= min && v <= max ? v
            : throw new BenchUsageException($"{_command}: --{name} must be a number in [{min}, {max}]; got '{raw}'.");
    }

    /// <summary>A comma-separated list, each item parsed by <paramref name="parse"/> (null: not allowed).</summary>
    public T[] List<T>(string name, string fallback, string allowed, Func<string, T?> parse) where T : struct
    {
        var items = String(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0) throw new BenchUsageException($"{_command}: --{name} must be a non-empty comma-separated list of {allowed}.");
        return items.Select(s => parse(s) ?? throw new BenchUsageException($"{_command}: --{name} must be a comma-separated list of {allowed}; got '{s}'.")).ToArray();
    }

    /// <summary>Refuses options that the command does not read.</summary>
    public void CheckAllRead()
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).Order().ToList();
        if (unknown.Count > 0)
            throw new BenchUsageException($"{_command}: unknown option --{unknown[0]}; allowed options: {string.Join(", ", _read.Order().Select(n => "--" + n))}.");
    }
}
