using GFlowNetML.Environments;
using GFlowNetML.Rewards;

namespace GFlowNetML.Cli;

/// <summary>Builds the sequence, QM9, DAG and bit-sequence environments of <see cref="EnvironmentSettings"/> (the hyper-grid
/// is one constructor call). Errors surface as the library's exceptions; the settings turn them into usage errors.</summary>
internal static class CommandEnvironments
{
    /// <summary>The sequence task: a reward table read from <c>--rewards FILE</c>, or the synthetic binding landscape
    /// (the paper's TFBind8 shape) when no file is given; either with the paper's reward transform.</summary>
    public static GFlowNetEnvironment Sequence(EnvironmentSettings s)
    {
        var options = new SequenceTableOptions
        {
            Alpha = s.Alpha, MinimumScore = s.RMin, MaxReward = s.MaxReward, ModeFraction = s.ModeFraction, ModeCount = s.ModeCount, Alphabet = s.Alphabet,
        };
        double sequences = Math.Pow(s.Tokens, s.Length);
        if (s.ModeCount > sequences)
            throw new UsageException(FormattableString.Invariant($"--mode-count must be at most the number of sequences, {s.Tokens}^{s.Length} = {sequences}; got {s.ModeCount}."));
        SequenceRewardTable table;
        if (s.Rewards is null)
        {
            table = new SyntheticBindingLandscape(s.Tokens, s.Length, s.Motifs, s.LandscapeSeed).ToTable(options);
        }
        else
        {
            if (!File.Exists(s.Rewards)) throw new UsageException($"--rewards '{s.Rewards}' does not exist.");
            table = SequenceRewardTable.ReadCsvNaming(s.Rewards, s.Tokens, options, "--r-min");
            if (table.Length != s.Length)
                throw new UsageException($"--length is {s.Length}, but the sequences of --rewards '{s.Rewards}' have length {table.Length}; pass --length {table.Length}.");
        }
        return new SequenceEnvironment(table, SequenceEnvironment.ParseActionModel(s.ActionModel));
    }

    /// <summary>The paper's QM9 task: the shipped oracle table (<see cref="SequenceRewardTable.LoadQm9"/>) with
    /// <see cref="SequenceTableOptions.Qm9"/>'s settings, the transform as <c>--alpha</c>, <c>--r-min</c> and <c>--max-reward</c> say.</summary>
    public static GFlowNetEnvironment Qm9(EnvironmentSettings s)
    {
        var options = SequenceTableOptions.Qm9 with { Alpha = s.Alpha, MinimumScore = s.RMin, MaxReward = s.MaxReward };
        return new SequenceEnvironment(SequenceRewardTable.LoadQm9Naming(options, "--r-min"), SequenceEnvironment.ParseActionModel(s.ActionModel));
    }

    /// <summary>Bayesian-network structure learning with the BGe score: the user's data matrix (<c>--data FILE</c>) or
    /// seeded linear-Gaussian data on an Erdős–Rényi DAG (the paper's task).</summary>
    public static GFlowNetEnvironment Dag(EnvironmentSettings s)
    {
        if (s.Data is null) return DagEnvironment.FromLinearGaussian(s.Nodes, s.Edges, s.Samples, s.DataSeed, s.Noise);
        if (!File.Exists(s.Data)) throw new UsageException($"--data '{s.Data}' does not exist.");
        return DagEnvironment.FromCsv(s.Data, nodes: s.Nodes > 0 ? s.Nodes : null);
    }

    /// <summary>The bit-sequence task of the trajectory-balance paper, with a seeded codebook.</summary>
    public static GFlowNetEnvironment BitSequence(EnvironmentSettings s)
        => new Environments.BitSequence(s.Bits, s.Word, s.Codebook, s.Temperature, s.CodebookSeed, s.ModeRadius);
}
