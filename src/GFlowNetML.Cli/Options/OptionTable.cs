using System.Text;
using GFlowNetML.Parameters;

namespace GFlowNetML.Cli;

/// <summary>
/// The options of one command, declared once (name, type, default, range, description): parsing
/// (<see cref="Read"/>), the help text (<see cref="Help"/>) and the usage errors derive from it. Adding an option is one
/// declaration in the command's table.
/// </summary>
/// <param name="command">The command, for messages.</param>
/// <param name="groups">The options in help order; a name may stand in several groups (an environment option shared by
/// two environments) and is then one option.</param>
internal sealed class OptionTable(string command, IReadOnlyList<OptionGroup> groups)
{
    /// <summary>The command.</summary>
    public string Command { get; } = command;

    /// <summary>The option groups, in help order.</summary>
    public IReadOnlyList<OptionGroup> Groups { get; } = groups;

    /// <summary>Every option once (the first declaration of a name).</summary>
    public IReadOnlyList<ParameterDeclaration> Options { get; } = [.. groups.SelectMany(g => g.Options).DistinctBy(o => o.Name)];

    /// <summary>The names of the options that take a value (without dashes).</summary>
    public string[] OptionNames => [.. Options.Where(o => o.Kind != ParameterKind.Flag).Select(o => o.Name)];

    /// <summary>The names of the switches.</summary>
    public IReadOnlySet<string> FlagNames => Options.Where(o => o.Kind == ParameterKind.Flag).Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>Reads <paramref name="args"/> (the arguments after the command) against this table.</summary>
    /// <exception cref="UsageException">An option is unknown (with a suggestion), lacks its value or is given twice.</exception>
    public ArgumentReader Read(IEnumerable<string> args) => new(Command, args, OptionNames, FlagNames);

    /// <summary>The help text: <paramref name="synopsis"/>, then every option with its description, default and range,
    /// group by group, then <paramref name="notes"/>.</summary>
    public string Help(string synopsis, string notes = "")
    {
        var b = new StringBuilder(synopsis.TrimEnd()).Append('\n');
        foreach (var group in Groups)
        {
            b.Append('\n').Append(group.Title).Append('\n');
            foreach (var o in group.Options) b.Append(Line(o)).Append('\n');
        }
        if (notes.Length > 0) b.Append('\n').Append(notes.TrimEnd()).Append('\n');
        return b.ToString().TrimEnd();
    }

    /// <summary>One option's help line: <c>--name DEFAULT</c> (or its placeholder), its description, its default and range.</summary>
    public static string Line(ParameterDeclaration o)
    {
        string value = o.Kind switch
        {
            ParameterKind.Flag => "",
            ParameterKind.Choice => " " + o.Placeholder,
            _ => " " + (o.Default ?? o.Placeholder),
        };
        string head = $"  --{o.Name}{value}";
        string range = o.Kind is ParameterKind.Choice or ParameterKind.Flag || o.RangeText.Length == 0 ? "" : $"; {o.RangeText}";
        string tail = o.Kind == ParameterKind.Flag ? "" : o.Default is null && o.NoDefault == "required" ? " (required)" : $" (default {o.DefaultText}{range})";
        return $"{(head.Length < 32 ? head.PadRight(32) : head + "\n" + new string(' ', 32))}{o.Description}{tail}";
    }

    /// <summary>The known name closest to <paramref name="unknown"/> (edit distance at most a third of its length, at least
    /// 2; or a name it is a prefix of), or null.</summary>
    public static string? Suggest(string unknown, IEnumerable<string> known)
    {
        var best = known
            .Select(k => (Name: k, Distance: k.StartsWith(unknown, StringComparison.Ordinal) && unknown.Length >= 3 ? 0 : Distance(unknown, k)))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, unknown.Length / 3) ? best.Name : null;
    }

    /// <summary>The Levenshtein distance (insertions, deletions, substitutions; an adjacent swap counts one).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
