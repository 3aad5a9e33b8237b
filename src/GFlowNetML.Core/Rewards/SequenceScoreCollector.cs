namespace GFlowNetML.Rewards;

/// <summary>
/// Gathers the rows of a reward table into a dense array indexed by the lexicographic index of the sequence, rejecting
/// bad scores, duplicates and (at the end) missing sequences with a message naming the row and the sequence.
/// </summary>
internal sealed class SequenceScoreCollector
{
    private readonly Func<string, Exception> _error;
    private readonly Func<int, string> _where;
    private readonly int[] _firstRow;
    private readonly bool[] _seen;
    private int _filled;

    /// <param name="tokens">K.</param>
    /// <param name="length">L.</param>
    /// <param name="alphabet">The checked alphabet.</param>
    /// <param name="where">Names a row from its number ("row 3", "line 4 of f.csv").</param>
    /// <param name="error">Makes the exception for a message (ArgumentException for memory, InvalidDataException for files).</param>
    public SequenceScoreCollector(int tokens, int length, string alphabet, Func<int, string> where, Func<string, Exception> error)
    {
        long count = SequenceText.Power(tokens, length, SequenceRewardTable.MaxSequences);
        if (count < 0)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"A reward table covers all K^L sequences, at most {SequenceRewardTable.MaxSequences}; {tokens}^{length} is more (use a delegate reward).");
        Tokens = tokens;
        Length = length;
        Alphabet = alphabet;
        _where = where;
        _error = error;
        Scores = new double[count];
        _seen = new bool[count];
        _firstRow = new int[count];
    }

    public int Tokens { get; }

    public int Length { get; }

    public string Alphabet { get; }

    /// <summary>The scores by lexicographic index.</summary>
    public double[] Scores { get; }

    /// <summary>Adds one row, numbered <paramref name="row"/> for messages.</summary>
    public void Add(ReadOnlySpan<int> sequence, double score, int row)
    {
        if (double.IsNaN(score) || double.IsInfinity(score) || score < 0)
        {
            string what = double.IsNaN(score) ? "NaN" : double.IsPositiveInfinity(score) ? "infinite" : double.IsNegativeInfinity(score) ? "−∞" : FormattableString.Invariant($"{score:R}, which is negative");
            throw _error($"{_where(row)}: the score of {SequenceText.Format(sequence, Alphabet)} is {what}; scores must be finite numbers of at least 0.");
        }
        int index = SequenceText.Index(sequence, Tokens);
        if (_seen[index])
            throw _error($"{_where(row)}: the sequence {SequenceText.Format(sequence, Alphabet)} appears a second time (first at {_where(_firstRow[index])}); each sequence must appear once.");
        _seen[index] = true;
        _firstRow[index] = row;
        Scores[index] = score;
        _filled++;
    }

    /// <summary>Throws when a sequence has no row, naming the first missing one.</summary>
    public void CheckComplete()
    {
        if (_filled == Scores.Length) return;
        int missing = Array.IndexOf(_seen, false);
        var sequence = new int[Length];
        SequenceText.FromIndex(missing, Tokens, sequence);
        throw _error($"The table scores {_filled} of the {Scores.Length} sequences of {Tokens} tokens and length {Length}; {SequenceText.Format(sequence, Alphabet)} (and {Scores.Length - _filled - 1} more) has no row. A reward table must cover every sequence, as the paper's tasks do; use a delegate reward for a partial or unbounded space.");
    }
}
