using GFlowNetML.Rewards;

namespace GFlowNetML.Environments;

// The catalog side of the sequence environment: recreating it from its parameters.
public sealed partial class SequenceEnvironment
{
    /// <summary>The sequence task's declared parameters (<c>tokens</c>, <c>length</c>, <c>action-model</c>, <c>rewards</c>,
    /// the transform's <c>alpha</c>, <c>r-min</c>, <c>max-reward</c>, <c>mode-fraction</c>, <c>mode-count</c>,
    /// <c>alphabet</c>, and the synthetic landscape's <c>motifs</c> and <c>landscape-seed</c>).</summary>
    public static EnvironmentDeclaration Declaration => SequenceDeclaration.Sequence;

    /// <summary>The paper's QM9 task's declared parameters (<c>action-model</c> and the transform's <c>alpha</c>,
    /// <c>r-min</c>, <c>max-reward</c>, with <see cref="SequenceTableOptions.Qm9"/>'s defaults).</summary>
    public static EnvironmentDeclaration Qm9Declaration => SequenceDeclaration.Qm9;

    /// <summary>
    /// Recreates a sequence environment from parameters (the catalog's factory for <c>sequence</c>). Every key is optional:
    /// <c>tokens</c> (4), <c>length</c> (8), <c>action-model</c> (<c>write-any-blank</c>), <c>reward</c> (<c>synthetic</c>
    /// with <c>motifs</c> (4) and <c>seed</c> (0); <c>table</c> with <c>path</c>, a CSV file; or <c>qm9</c>, the shipped QM9
    /// table, whose defaults are <see cref="SequenceTableOptions.Qm9"/>'s), and the transform <c>alpha</c> (3),
    /// <c>r-min</c> (1e-3), <c>max-reward</c> (10), <c>mode-fraction</c> (0.005), <c>mode-count</c>, <c>alphabet</c> and
    /// <c>token-names</c> (space-separated).
    /// </summary>
    internal static SequenceEnvironment FromParameters(EnvironmentCatalog.ParameterReader p)
    {
        string kind = p.Optional("reward") ?? SyntheticBindingLandscape.Kind;
        bool qm9 = kind == SequenceRewardTable.Qm9Kind;
        int tokens = OptionalInt(p, "tokens", qm9 ? SequenceRewardTable.Qm9Tokens : 4), length = OptionalInt(p, "length", qm9 ? SequenceRewardTable.Qm9Length : 8);
        var model = ParseActionModel(p.Optional("action-model") ?? ActionModelName(SequenceActionModel.WriteAnyBlank));
        var defaults = qm9 ? SequenceTableOptions.Qm9 : new SequenceTableOptions();
        var options = defaults with
        {
            Alpha = OptionalDouble(p, "alpha", defaults.Alpha),
            MinimumScore = OptionalDouble(p, "r-min", defaults.MinimumScore),
            MaxReward = OptionalDouble(p, "max-reward", defaults.MaxReward),
            ModeFraction = OptionalDouble(p, "mode-fraction", defaults.ModeFraction),
            ModeCount = p.Optional("mode-count") is null ? defaults.ModeCount : p.Int("mode-count"),
            Alphabet = p.Optional("alphabet") ?? defaults.Alphabet,
            TokenNames = p.Optional("token-names") is string names ? names.Split(' ') : defaults.TokenNames,
        };
        SequenceReward reward;
        if (kind == SyntheticBindingLandscape.Kind)
        {
            long seed = p.Optional("seed") is null ? 0 : p.Long("seed");
            reward = new SyntheticBindingLandscape(tokens, length, OptionalInt(p, "motifs", SyntheticBindingLandscape.DefaultMotifs), seed).ToTable(options);
        }
        else if (kind == "table")
        {
            var table = SequenceRewardTable.ReadCsv(p.String("path"), tokens, options);
            if (p.Optional("length") is not null && table.Length != length)
                throw new ArgumentException($"The 'sequence' parameter 'length' is {length}, but the sequences of {p.String("path")} have length {table.Length}.", "parameters");
            reward = table;
        }
        else if (qm9)
        {
            if (tokens != SequenceRewardTable.Qm9Tokens || length != SequenceRewardTable.Qm9Length)
                throw new ArgumentException($"The 'sequence' reward 'qm9' has {SequenceRewardTable.Qm9Tokens} tokens and length {SequenceRewardTable.Qm9Length}; got tokens={tokens}, length={length}.", "parameters");
            reward = SequenceRewardTable.LoadQm9(options);
        }
        else throw new ArgumentException($"The 'sequence' parameter 'reward' must be 'synthetic', 'table' or 'qm9'; got '{kind}'.", "parameters");
        return new SequenceEnvironment(reward, model);
    }

    private static int OptionalInt(EnvironmentCatalog.ParameterReader p, string key, int fallback) => p.Optional(key) is null ? fallback : p.Int(key);

    private static double OptionalDouble(EnvironmentCatalog.ParameterReader p, string key, double fallback) => p.Optional(key) is null ? fallback : p.Double(key);
}
