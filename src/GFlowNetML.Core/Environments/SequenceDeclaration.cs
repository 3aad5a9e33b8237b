using GFlowNetML.Parameters;
using GFlowNetML.Rewards;

namespace GFlowNetML.Environments;

/// <summary>The declared parameters of the sequence task and of the paper's QM9 task (<see cref="SequenceEnvironment.Declaration"/>,
/// <see cref="SequenceEnvironment.Qm9Declaration"/>).</summary>
internal static class SequenceDeclaration
{
    private static readonly SequenceTableOptions Defaults = new();

    private static readonly ParameterDeclaration ActionModel = ParameterDeclaration.Choice("action-model",
        SequenceEnvironment.ActionModelName(SequenceActionModel.WriteAnyBlank),
        [.. Enum.GetValues<SequenceActionModel>().Select(SequenceEnvironment.ActionModelName)],
        "how a sequence is built: write any blank position, append, or prepend or append");

    private static readonly ParameterDeclaration Alpha = ParameterDeclaration.Number("alpha", Defaults.Alpha, 0, double.PositiveInfinity,
        "the exponent α of the reward transform max(y, R_min)^α", exclusiveMinimum: true);

    private static readonly ParameterDeclaration MinimumScore = ParameterDeclaration.Number("r-min", Defaults.MinimumScore, 0, double.PositiveInfinity,
        "the floor R_min that low scores are clamped to before the power");

    private static readonly ParameterDeclaration MaxReward = ParameterDeclaration.Number("max-reward", Defaults.MaxReward, 0, double.PositiveInfinity,
        "the reward of the best sequence (the transformed rewards are scaled to it)", exclusiveMinimum: true);

    public static readonly EnvironmentDeclaration Sequence = new("sequence", "sequences of K tokens and length L with a reward table (a CSV file, or the synthetic binding landscape of the paper's TFBind8 shape)",
    [
        ParameterDeclaration.Integer("tokens", 4, 2, SyntheticBindingLandscape.MaxTokens, "the number of tokens K"),
        ParameterDeclaration.Integer("length", 8, 1, 64, "the sequence length L"),
        ActionModel,
        ParameterDeclaration.Text("rewards", "FILE", "a CSV file of sequence,score rows instead of the synthetic landscape", noDefault: "the synthetic landscape"),
        Alpha,
        MinimumScore,
        MaxReward,
        ParameterDeclaration.Number("mode-fraction", Defaults.ModeFraction, 0, 1, "the fraction of the best sequences that count as modes", exclusiveMinimum: true),
        ParameterDeclaration.Integer("mode-count", null, 1, long.MaxValue, "the number of best sequences that count as modes (instead of mode-fraction)"),
        ParameterDeclaration.Text("alphabet", "TEXT", "the characters the tokens are written with", noDefault: "0-9, A-Z, a-z"),
        ParameterDeclaration.Integer("motifs", SyntheticBindingLandscape.DefaultMotifs, 1, 64, "the number of motifs of the synthetic landscape"),
        ParameterDeclaration.Seed("landscape-seed", "the seed of the synthetic landscape"),
    ], CreateSequence);

    public static readonly EnvironmentDeclaration Qm9 = new("qm9", $"the paper's QM9 task: the shipped table of {SequenceRewardTable.Qm9Tokens} building blocks, length {SequenceRewardTable.Qm9Length}",
    [
        ActionModel,
        Alpha with { Default = ParameterDeclaration.Format(SequenceTableOptions.Qm9.Alpha) },
        MinimumScore with { Default = ParameterDeclaration.Format(SequenceTableOptions.Qm9.MinimumScore) },
        MaxReward with { Default = ParameterDeclaration.Format(SequenceTableOptions.Qm9.MaxReward) },
    ], CreateQm9);

    private static SequenceEnvironment CreateSequence(ParameterValues p)
    {
        int tokens = p.Int("tokens"), length = p.Int("length");
        var options = new SequenceTableOptions
        {
            Alpha = p.Double("alpha"), MinimumScore = p.Double("r-min"), MaxReward = p.Double("max-reward"),
            ModeFraction = p.Double("mode-fraction"), ModeCount = p.OptionalInt("mode-count"), Alphabet = p.Text("alphabet"),
        };
        double sequences = Math.Pow(tokens, length);
        if (options.ModeCount > sequences)
            throw new ParameterException("mode-count", FormattableString.Invariant($"{p.Spell("mode-count")} must be at most the number of sequences, {tokens}^{length} = {sequences}; got {options.ModeCount}."));
        SequenceRewardTable table;
        if (p.Text("rewards") is not string path)
        {
            table = new SyntheticBindingLandscape(tokens, length, p.Int("motifs"), p.Long("landscape-seed")).ToTable(options);
        }
        else
        {
            if (p.Has("motifs") || p.Has("landscape-seed"))
                throw new ParameterException("rewards", $"{p.Spell("motifs")} and {p.Spell("landscape-seed")} shape the synthetic landscape; they cannot be used with {p.Spell("rewards")} FILE.");
            if (!File.Exists(path)) throw new ParameterException("rewards", $"{p.Spell("rewards")} '{path}' does not exist.");
            table = SequenceRewardTable.ReadCsvNaming(path, tokens, options, p.Spell("r-min"));
            if (table.Length != length)
                throw new ParameterException("length", $"{p.Spell("length")} is {length}, but the sequences of {p.Spell("rewards")} '{path}' have length {table.Length}; pass {p.Spell("length")} {table.Length}.");
        }
        return new SequenceEnvironment(table, SequenceEnvironment.ParseActionModel(p.Text("action-model")!));
    }

    private static SequenceEnvironment CreateQm9(ParameterValues p)
    {
        var options = SequenceTableOptions.Qm9 with { Alpha = p.Double("alpha"), MinimumScore = p.Double("r-min"), MaxReward = p.Double("max-reward") };
        return new SequenceEnvironment(SequenceRewardTable.LoadQm9Naming(options, p.Spell("r-min")), SequenceEnvironment.ParseActionModel(p.Text("action-model")!));
    }
}
