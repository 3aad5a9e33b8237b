using GFlowNetML.Rewards;
using Microsoft.ML;

namespace GFlowNetML.Data;

/// <summary>
/// Reads a <see cref="SequenceRewardTable"/> from an ML.NET <see cref="IDataView"/>: a text column holding each sequence
/// (spelled with the alphabet) and a Single or Double column holding its score.
/// </summary>
public static class SequenceRewardTables
{
    /// <summary>The default name of the sequence column.</summary>
    public const string DefaultSequenceColumnName = "Sequence";

    /// <summary>The default name of the score column.</summary>
    public const string DefaultScoreColumnName = "Score";

    /// <summary>Reads every row of <paramref name="data"/> as (sequence, score) and builds the table with the paper's transform.</summary>
    /// <param name="data">The rows; every sequence of {0..K−1}^L must appear exactly once.</param>
    /// <param name="tokens">The number of tokens K (the alphabet's length).</param>
    /// <param name="sequenceColumnName">The text column holding the sequences (default <c>Sequence</c>).</param>
    /// <param name="scoreColumnName">The Single or Double column holding the scores (default <c>Score</c>).</param>
    /// <param name="options">The transform, modes and alphabet; <c>null</c> for the defaults (TFBind8's).</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing (<c>Could not find sequence column '…'</c>) or has
    /// the wrong type (<c>Schema mismatch for score column '…': expected Single or Double, got …</c>), as ML.NET words it.</exception>
    /// <exception cref="ArgumentException">A row is bad (NaN, negative or infinite score, a wrong length, a character outside the
    /// alphabet, a duplicate) or a sequence is missing; the message names the row (0-based) and the sequence.</exception>
    public static SequenceRewardTable FromDataView(IDataView data, int tokens, string sequenceColumnName = DefaultSequenceColumnName,
        string scoreColumnName = DefaultScoreColumnName, SequenceTableOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(sequenceColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(scoreColumnName);
        var sequence = SchemaChecks.Find(data.Schema, nameof(data), "sequence", sequenceColumnName, SchemaChecks.IsText, "String");
        var score = SchemaChecks.Find(data.Schema, nameof(data), "score", scoreColumnName, SchemaChecks.IsFloatingScalar, "Single or Double");
        return new SequenceRewardTable(tokens, Rows(data, sequence, score), options);
    }

    private static IEnumerable<(string Sequence, double Score)> Rows(IDataView data, DataViewSchema.Column sequence, DataViewSchema.Column score)
    {
        using var cursor = data.GetRowCursor([sequence, score]);
        var text = cursor.GetGetter<ReadOnlyMemory<char>>(sequence);
        var value = SchemaChecks.NumericGetter(cursor, score);
        ReadOnlyMemory<char> buffer = default;
        while (cursor.MoveNext())
        {
            text(ref buffer);
            yield return (buffer.ToString(), value());
        }
    }
}
