namespace GFlowNetML.Rewards;

/// <summary>
/// Gathers the rows of a reward table into a dense array indexed by the lexicographic index of the sequence, rejecting
/// bad scores, duplicates and (at the end) missing sequences with a message naming the row and the sequence.
/// </summary>
/// <remarks>A score is bad when it is NaN or ±∞, or when the transform max(y, R_min)^α cannot give it a positive reward:
/// y ≤ 0 with R_min = 0. With R_min &gt; 0 every finite score is accepted, negative ones included (the clamp comes first,
/// as in the paper; QM9's oracle table has 607 negative scores).</remarks>
internal sealed class SequenceScoreCollector
{
    private readonly Func<string, Exception> _error;
    private readonly Func<int, string> _where;
    private readonly int[] _firstRow;
    private readonly bool[] _seen;
    private readonly double _minimumScore;
    private readonly string _minimumScoreName;
    private int _filled;

    /// <param name="tokens">K.</param>
    /// <param name="length">L.</param>
    /// <param name="alphabet">The checked alphabet.</param>
    /// <param name="minimumScore">R_min (checked, ≥ 0): with 0, scores must be above 0.</param>
    /// <param name="minimumScoreName">How messages name R_min's option: <c>MinimumScore</c> in code, <c>--r-min</c> on the command line.</param>
    /// <param name="where">Names a row from its number ("row 3", "line 4 of f.csv").</param>
    /// <param name="error">Makes the exception for a message (ArgumentException for memory, InvalidDataException for files).</param>
    public SequenceScoreCollector(int tokens, int length, string alphabet, double minimumScore, string minimumScoreName, Func<int, string> where, Func<string, Exception> error)
    {
        long count = SequenceText.Power(tokens, length, SequenceRewardTable.MaxSequences);
        if (count < 0)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"A reward table covers all K^L sequences, at most {SequenceRewardTable.MaxSequences}; {tokens}^{length} is more (use a delegate reward).");
        Tokens = tokens;
        Length = length;
        Alphabet = alphabet;
        _minimumScore = minimumScore;
        _minimumScoreName = minimumScoreName;
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
        if (!double.IsFinite(score))
        {
            string what = double.IsNaN(score) ? "NaN" : double.IsPositiveInfinity(score) ? "infinite" : "−∞";
            throw _error($"{_where(row)}: the score of {SequenceText.Format(sequence, Alphabet)} is {what}; scores must be finite numbers.");
        }
        if (score <= 0 && _minimumScore == 0)
        {
            string text = SequenceText.Format(sequence, Alphabet);
            string why = score < 0
                ? FormattableString.Invariant($"{score:R}, which is negative, and R_min is 0 ({_minimumScoreName} 0), so the transform max(y, R_min)^α would raise a negative number to a power")
                : $"0 and R_min is 0 ({_minimumScoreName} 0), so its reward max(y, R_min)^α is 0";
            throw _error($"{_where(row)}: the score of {text} is {why}; set {_minimumScoreName} above 0 (the paper uses 1e-3) to clamp low and negative scores to R_min before the power, or remove scores ≤ 0 from the table.");
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
