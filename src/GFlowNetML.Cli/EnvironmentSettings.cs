using System.Text.Json.Nodes;
using GFlowNetML.Environments;
using GFlowNetML.Parameters;

namespace GFlowNetML.Cli;

/// <summary>
/// The environment options shared by <c>gflownet train</c>, <c>compare</c> and <c>tune</c>: <c>--env</c> and the
/// parameters of the chosen built-in environment, as its <see cref="EnvironmentDeclaration"/> in Core declares them (names,
/// defaults, ranges, descriptions and checks all come from there). An option of another environment than the chosen one
/// is rejected, naming the environment it belongs to. run.json keeps them as <c>{"Env": …, "Parameters": {…}}</c> with
/// the chosen environment's parameters only.
/// </summary>
internal sealed class EnvironmentSettings
{
    /// <summary>The built-in environments, in the order the messages list them.</summary>
    public static readonly string[] Kinds = [.. EnvironmentCatalog.Declarations.Select(d => d.Name)];

    /// <summary>The <c>--env</c> option.</summary>
    public static readonly ParameterDeclaration EnvOption = ParameterDeclaration.Choice("env", "hypergrid", Kinds, "the built-in environment");

    /// <summary>The option groups of help: <c>--env</c>, then each environment's parameters.</summary>
    public static IReadOnlyList<OptionGroup> Groups { get; } =
    [
        new("Environment:", [EnvOption]),
        .. EnvironmentCatalog.Declarations.Select(d => new OptionGroup($"--env {d.Name}: {d.Summary}", d.Parameters)),
    ];

    /// <summary>The option names (without dashes): <c>env</c> and every environment's parameters, each once.</summary>
    public static readonly string[] OptionNames = [.. Groups.SelectMany(g => g.Options).Select(o => o.Name).Distinct()];

    private ParameterValues? _values;
    private GFlowNetEnvironment? _environment;

    private EnvironmentSettings(string env, IReadOnlyDictionary<string, string> parameters) => (Env, Parameters) = (env, parameters);

    /// <summary>The chosen environment's name.</summary>
    public string Env { get; }

    /// <summary>The parameters given (declared names, canonical values); the others take their declared defaults.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; private set; }

    private EnvironmentDeclaration Declaration => EnvironmentCatalog.Declaration(Env);

    /// <summary>Reads <c>--env</c> and checks each of its parameters on its own. The cross-parameter checks (sizes,
    /// files) are <see cref="EnsureEncodable"/>, so that a command can run them after its other options, as <c>train</c> does.</summary>
    public static EnvironmentSettings Parse(ArgumentReader a)
    {
        string env = a.String(EnvOption)!;
        var own = EnvironmentCatalog.Declaration(env).Parameters;
        foreach (var other in EnvironmentCatalog.Declarations.Where(d => d.Name != env))
            foreach (var p in other.Parameters)
                if (a.Has(p) && !own.Any(o => o.Name == p.Name))
                    throw new UsageException($"--{p.Name} is an option of --env {other.Name}; it does not apply to --env {env} (whose options are: {string.Join(", ", own.Select(n => "--" + n.Name))}).");
        var given = own.Where(a.Has).ToDictionary(p => p.Name, p => a.String(p.Name)!, StringComparer.Ordinal);
        return Checked(env, given, name => "--" + name);
    }

    /// <summary>Settings from run.json's <c>environment</c> object (<c>{"Env": …, "Parameters": {…}}</c>), validated
    /// like the command line: messages name the field (<c>Environment.Parameters.height</c>) and the allowed values.
    /// The form written before the parameters were declared once (<c>{"Env": …, "Ndim": 2, "Height": 8, …}</c> with
    /// every environment's options) is read too: the chosen environment's values are taken from it.</summary>
    public static EnvironmentSettings FromJson(JsonObject json, string where)
    {
        if (json["Env"] is not JsonValue envValue || !envValue.TryGetValue(out string? env))
            throw new UsageException($"{where} has no Environment.Env; it must be one of: {string.Join(", ", Kinds)} (as --env).");
        if (!Kinds.Contains(env))
            throw new UsageException($"{where} has Environment.Env '{env}'; it must be one of: {string.Join(", ", Kinds)} (as --env).");
        var given = json["Parameters"] is JsonObject parameters ? Values(parameters, where) : LegacyValues(env, json);
        try { return Checked(env, given, name => $"Environment.Parameters.{name}"); }
        catch (UsageException e) { throw new UsageException($"{where}: {e.Message}"); }
    }

    /// <summary>run.json's <c>environment</c> object: <c>Env</c> and the parameters given (numbers as JSON numbers).</summary>
    public JsonObject ToJson()
    {
        var parameters = new JsonObject();
        foreach (var p in Declaration.Parameters)
            if (Parameters.TryGetValue(p.Name, out var v))
                parameters[p.Name] = p.Kind switch
                {
                    ParameterKind.Integer => JsonValue.Create(long.Parse(v, System.Globalization.CultureInfo.InvariantCulture)),
                    ParameterKind.Number => JsonValue.Create(double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)),
                    _ => JsonValue.Create(v),
                };
        return new JsonObject { ["Env"] = Env, ["Parameters"] = parameters };
    }

    private static EnvironmentSettings Checked(string env, Dictionary<string, string> given, Func<string, string> spell)
    {
        var settings = new EnvironmentSettings(env, given);
        try { settings._values = EnvironmentCatalog.Declaration(env).Check(given, spell); }
        catch (ParameterException e) { throw new UsageException(e.Message); }
        settings.Parameters = settings._values.Given;
        return settings;
    }

    private static Dictionary<string, string> Values(JsonObject parameters, string where)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in parameters)
            given[name] = node is JsonValue v && (v.TryGetValue(out string? s) ? s : v.ToJsonString()) is string text
                ? text
                : throw new UsageException($"{where}: Environment.Parameters.{name} must be a number or a string; got {node?.ToJsonString() ?? "null"}.");
        return given;
    }

    /// <summary>The chosen environment's values of the earlier run.json form, whose properties were every environment's
    /// options in PascalCase (<c>DataSeed</c> for <c>data-seed</c>), all of them written, defaults and null included.</summary>
    private static Dictionary<string, string> LegacyValues(string env, JsonObject json)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in EnvironmentCatalog.Declaration(env).Parameters)
        {
            string property = string.Concat(p.Name.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
            if (json[property] is JsonValue v) given[p.Name] = v.TryGetValue(out string? s) ? s : v.ToJsonString();
        }
        // As that version's command line did: a file replaces the generator's options, and a node count of 0 meant "from the file".
        if (env == "dag" && given.ContainsKey("data")) foreach (var g in new[] { "edges", "samples", "noise", "data-seed" }) given.Remove(g);
        if (env == "dag" && given.GetValueOrDefault("nodes") == "0") given.Remove("nodes");
        if (env == "sequence" && given.ContainsKey("rewards")) { given.Remove("motifs"); given.Remove("landscape-seed"); }
        return given;
    }

    /// <summary>The cross-parameter checks: the environment must be constructible (sizes, files, the width of the
    /// encoding). Builds it once and reports its complaint as a usage error naming the options.</summary>
    public void EnsureEncodable() => CreateEnvironment();

    /// <summary>RL-G needs a guide: refuses it, naming the method and the environment, where the environment has none built
    /// in (the paper defines none for bit sequences), before anything is trained.</summary>
    public void EnsureGuideFor(IEnumerable<Torch.Training.TrainingMethod> methods)
    {
        if (methods.Contains(Torch.Training.TrainingMethod.PolicyGradientGuided) && CreateEnvironment().DefaultGuide is null)
            throw new UsageException($"--method rl-g needs a guide, and --env {Env} has none built in (the paper defines none for it); use rl-b, which learns P_B without a guide.");
    }

    /// <summary>The environment of these settings, built on first use (a reward table or a data file is read once);
    /// problems with a file or a size are usage errors.</summary>
    public GFlowNetEnvironment CreateEnvironment() => _environment ??= Build();

    private GFlowNetEnvironment Build()
    {
        try { return Declaration.Create(_values!); }
        catch (ParameterException e) { throw new UsageException(e.Message); }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            throw new UsageException($"--env {Env}: {e.Message}");
        }
    }
}
