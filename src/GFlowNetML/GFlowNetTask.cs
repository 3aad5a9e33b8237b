using GFlowNetML.Data;
using GFlowNetML.Environments;
using GFlowNetML.Rewards;
using Microsoft.ML;

namespace GFlowNetML;

/// <summary>
/// What a GFlowNet estimator trains on: a fixed environment (built in or a user's own, reward included), or an environment
/// whose reward <c>Fit</c> reads from its data (a sequence reward table, a data matrix for structure learning).
/// </summary>
public abstract class GFlowNetTask
{
    private protected GFlowNetTask()
    {
    }

    /// <summary>A one-line description for messages.</summary>
    public abstract string Description { get; }

    /// <summary>A fixed environment; <c>Fit</c> reads nothing from its data but the seeds.</summary>
    /// <remarks>The fitted sampler runs inside ONNX. The built-in environments use their ONNX step graphs with the
    /// log-reward computed in the graph: <see cref="Environments.HyperGrid"/> (any size), <see cref="SequenceEnvironment"/>
    /// (every action model; K^L ≤ 2^23), <see cref="DagEnvironment"/> (d·2^(d−1) ≤ 2^23) and <see cref="BitSequence"/>
    /// (m·2^k·|M| ≤ 2^23). Any other environment must enumerate its states into tables of at most 2^23 entries; otherwise
    /// <c>Fit</c> throws <see cref="NotSupportedException"/>.</remarks>
    public static GFlowNetTask Of(GFlowNetEnvironment environment) => new FixedTask(environment ?? throw new ArgumentNullException(nameof(environment)));

    /// <summary>The paper's hyper-grid (see <see cref="HyperGrid"/>); default the 2-dimensional 8 × 8 grid.</summary>
    public static GFlowNetTask HyperGrid(int ndim = 2, int height = 8, double r0 = 0.01, double r1 = 0.5, double r2 = 2.0)
        => Of(new HyperGrid(ndim, height, r0, r1, r2));

    /// <summary>The paper's QM9 task: the shipped oracle table of 161,051 sequences of 5 building blocks
    /// (<see cref="SequenceRewardTable.LoadQm9"/>) with its settings (<see cref="SequenceTableOptions.Qm9"/>: α = 5,
    /// R_min = 1e-3, max R = 10, 805 modes); log Z* = 9.6241168816014. Drawn sequences carry their blocks' SMILES
    /// (<see cref="GFlowNetML.Onnx.GFlowNetSample.Blocks"/>).</summary>
    /// <param name="actionModel">How sequences are built: write any blank (default, the paper's), append, or prepend or append.</param>
    /// <param name="options">The transform and modes; <c>null</c> for the paper's (<see cref="SequenceTableOptions.Qm9"/>).</param>
    public static GFlowNetTask Qm9(SequenceActionModel actionModel = SequenceActionModel.WriteAnyBlank, SequenceTableOptions? options = null)
    {
        if (!Enum.IsDefined(actionModel))
            throw new ArgumentOutOfRangeException(nameof(actionModel), actionModel, "actionModel must be WriteAnyBlank, Append or PrependOrAppend.");
        return Of(new SequenceEnvironment(SequenceRewardTable.LoadQm9(options), actionModel));
    }

    /// <summary>Sequence design with a reward table read by <c>Fit</c> from a text column and a Single or Double score column
    /// (<see cref="SequenceRewardTables.FromDataView"/>: every sequence once).</summary>
    /// <param name="tokens">The number of tokens K.</param>
    /// <param name="sequenceColumnName">The text column (default <c>Sequence</c>).</param>
    /// <param name="scoreColumnName">The score column (default <c>Score</c>).</param>
    /// <param name="options">The paper's transform and modes; <c>null</c> for TFBind8's.</param>
    /// <param name="actionModel">How sequences are built: write any blank (default), append, or prepend or append.</param>
    public static GFlowNetTask SequenceTable(int tokens, string sequenceColumnName = SequenceRewardTables.DefaultSequenceColumnName,
        string scoreColumnName = SequenceRewardTables.DefaultScoreColumnName, SequenceTableOptions? options = null,
        SequenceActionModel actionModel = SequenceActionModel.WriteAnyBlank)
    {
        if (tokens < 1) throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "tokens must be at least 1.");
        ArgumentException.ThrowIfNullOrWhiteSpace(sequenceColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(scoreColumnName);
        if (!Enum.IsDefined(actionModel))
            throw new ArgumentOutOfRangeException(nameof(actionModel), actionModel, "actionModel must be WriteAnyBlank, Append or PrependOrAppend.");
        return new SequenceTableTask(tokens, sequenceColumnName, scoreColumnName, options, actionModel);
    }

    /// <summary>Bayesian-network structure learning on a data matrix read by <c>Fit</c> (<see cref="DagDataViews.FromColumns"/>),
    /// scored by BGe.</summary>
    /// <param name="columnNames">The node columns; <c>null</c> takes every numeric scalar column except the seed column.</param>
    public static GFlowNetTask DagFromData(IReadOnlyList<string>? columnNames = null) => new DagTask(columnNames?.ToArray());

    /// <summary>Checks the columns <c>Fit</c> reads, with ML.NET's wording.</summary>
    internal abstract void CheckSchema(SchemaShape input, string seedColumn);

    /// <summary>Checks the columns <c>Fit</c> reads in a data view's schema, with ML.NET's wording.</summary>
    internal abstract void CheckSchema(DataViewSchema input, string seedColumn);

    /// <summary>Creates the environment from the data.</summary>
    internal abstract GFlowNetEnvironment Create(IDataView data, string seedColumn);

    /// <summary>The width of a vector sample (0 for text) given the input shape.</summary>
    internal abstract int SampleWidth(SchemaShape input, string seedColumn);

    private sealed class FixedTask(GFlowNetEnvironment environment) : GFlowNetTask
    {
        public override string Description => environment.Description;

        internal override void CheckSchema(SchemaShape input, string seedColumn) { }

        internal override void CheckSchema(DataViewSchema input, string seedColumn) { }

        internal override GFlowNetEnvironment Create(IDataView data, string seedColumn) => environment;

        internal override int SampleWidth(SchemaShape input, string seedColumn) => environment is SequenceEnvironment ? 0 : environment.StateWidth;
    }

    private sealed class SequenceTableTask(int tokens, string sequenceColumn, string scoreColumn, SequenceTableOptions? options, SequenceActionModel actionModel) : GFlowNetTask
    {
        public override string Description => $"sequence table (tokens={tokens}, columns '{sequenceColumn}' and '{scoreColumn}')";

        internal override void CheckSchema(SchemaShape input, string seedColumn)
        {
            SchemaChecks.Find(input, "inputSchema", "sequence", sequenceColumn, SchemaChecks.IsText, "String");
            SchemaChecks.Find(input, "inputSchema", "score", scoreColumn, SchemaChecks.IsFloatingScalar, "Single or Double");
        }

        internal override GFlowNetEnvironment Create(IDataView data, string seedColumn)
            => new SequenceEnvironment(SequenceRewardTables.FromDataView(data, tokens, sequenceColumn, scoreColumn, options), actionModel);

        internal override int SampleWidth(SchemaShape input, string seedColumn) => 0;

        internal override void CheckSchema(DataViewSchema input, string seedColumn)
        {
            SchemaChecks.Find(input, "input", "sequence", sequenceColumn, SchemaChecks.IsText, "String");
            SchemaChecks.Find(input, "input", "score", scoreColumn, SchemaChecks.IsFloatingScalar, "Single or Double");
        }
    }

    private sealed class DagTask(string[]? columns) : GFlowNetTask
    {
        public override string Description => columns is null ? "dag (every numeric column)" : $"dag (columns {string.Join(", ", columns)})";

        internal override void CheckSchema(SchemaShape input, string seedColumn)
        {
            if (columns is null)
            {
                if (Nodes(input, seedColumn) == 0) throw SchemaChecks.Missing("inputSchema", "node", "(any numeric)");
                return;
            }
            foreach (var c in columns) SchemaChecks.Find(input, "inputSchema", "node", c, SchemaChecks.IsNumericScalar, "a numeric scalar");
        }

        internal override void CheckSchema(DataViewSchema input, string seedColumn)
        {
            if (columns is null)
            {
                if (!input.Any(c => !c.IsHidden && c.Name != seedColumn && SchemaChecks.IsNumericScalar(c.Type))) throw SchemaChecks.Missing("input", "node", "(any numeric)");
                return;
            }
            foreach (var c in columns) SchemaChecks.Find(input, "input", "node", c, SchemaChecks.IsNumericScalar, "a numeric scalar");
        }

        internal override GFlowNetEnvironment Create(IDataView data, string seedColumn)
        {
            var names = columns ?? data.Schema.Where(c => !c.IsHidden && c.Name != seedColumn && SchemaChecks.IsNumericScalar(c.Type)).Select(c => c.Name).ToArray();
            return DagEnvironment.FromData(DagDataViews.FromColumns(data, names));
        }

        internal override int SampleWidth(SchemaShape input, string seedColumn)
        {
            int d = columns?.Length ?? Nodes(input, seedColumn);
            return 2 * d * d;
        }

        private static int Nodes(SchemaShape input, string seedColumn) => input.Count(c => c.Name != seedColumn && SchemaChecks.IsNumericScalar(c));
    }
}
