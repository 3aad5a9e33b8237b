using GFlowNetML.Environments;

namespace GFlowNetML.Rewards;

/// <summary>
/// A sequence reward given as a table: every sequence of {0..K−1}^L with its score y, turned into rewards by the paper's
/// transform y′ = max(y, R_min)^α, R = MaxReward · y′ / max y′ (<see cref="SequenceTableOptions"/>), with the top
/// fraction of the table as modes.
/// </summary>
/// <remarks>
/// <para><b>Sources.</b> A CSV file with a header line and <c>sequence,score</c> rows (<see cref="ReadCsv"/>; the format
/// <see cref="WriteCsv"/> and <see cref="SyntheticBindingLandscape.WriteCsv"/> write); (text, score) or (tokens, score)
/// pairs from memory; or a dense array of scores in lexicographic order (<see cref="FromScores"/>).</para>
/// <para><b>The paper's tables.</b> TFBind8 (SIX6), PHO4, QM9 and sEH are oracle tables that cover their whole space
/// (note §4.1). To use one, write it as CSV, one row per sequence, the sequence spelled with an alphabet of K characters
/// (e.g. <c>ACGT</c> for DNA, or digits <c>0–9,A</c> for QM9's 11 blocks), then read it with the matching options:
/// <c>SequenceRewardTable.ReadCsv("tfbind8.csv", 4, SequenceTableOptions.TFBind8)</c>, <see cref="SequenceTableOptions.TFBind10"/>
/// (scores = sigmoid(3y) of the raw values), <see cref="SequenceTableOptions.Qm9"/> (K = 11, L = 5) or
/// <see cref="SequenceTableOptions.Seh"/> (K = 18, L = 6). From the command line: <c>gflownet train --env sequence
/// --rewards tfbind8.csv</c>.</para>
/// <para><b>Scores.</b> Any finite score is accepted when the transform defines its reward: with R_min &gt; 0 the clamp
/// comes first, so negative and zero scores get the reward of R_min (QM9's table has 607 negative scores). With
/// R_min = 0 a score y ≤ 0 has no positive reward and is rejected, naming <see cref="SequenceTableOptions.MinimumScore"/>.</para>
/// <para><b>Checks.</b> NaN and infinite scores, scores ≤ 0 with R_min = 0, sequences of the wrong length or with
/// characters outside the alphabet, duplicates and missing sequences are rejected with a message naming the row (the line,
/// for a file) and the sequence.</para>
/// </remarks>
public sealed partial class SequenceRewardTable : SequenceReward
{
    /// <summary>The largest table, K^L ≤ 2^26 = 67,108,864 sequences (sEH has 34,012,224).</summary>
    public const long MaxSequences = 1L << 26;

    private readonly double[] _scores;
    private readonly double[] _logRewards;
    private readonly bool[] _modes;
    private readonly TableSource? _source;
    private readonly ulong _hash;

    /// <summary>A table from (text, score) pairs, e.g. from an ML.NET text column and a score column.</summary>
    /// <param name="tokens">The number of tokens K; the alphabet (the options' or the default) must have K characters.</param>
    /// <param name="rows">Every sequence of the space once, spelled with the alphabet, with its score (finite; &gt; 0 when R_min = 0);
    /// the length L is that of the first sequence.</param>
    /// <param name="options">The transform and modes; <c>null</c> for the defaults (TFBind8's).</param>
    /// <exception cref="ArgumentException">A row is bad or the rows do not cover the space; the message names the row (0-based) and the sequence.</exception>
    public SequenceRewardTable(int tokens, IEnumerable<(string Sequence, double Score)> rows, SequenceTableOptions? options = null)
        : this(CollectText(tokens, rows, options ?? new SequenceTableOptions()), options ?? new SequenceTableOptions(), null)
    {
    }

    /// <summary>A table from (token indices, score) pairs.</summary>
    /// <param name="tokens">The number of tokens K.</param>
    /// <param name="length">The sequence length L.</param>
    /// <param name="rows">Every sequence of {0..K−1}^L once, with its score (finite; &gt; 0 when R_min = 0).</param>
    /// <param name="options">The transform and modes; <c>null</c> for the defaults (TFBind8's).</param>
    /// <exception cref="ArgumentException">A row is bad or the rows do not cover the space; the message names the row (0-based) and the sequence.</exception>
    public SequenceRewardTable(int tokens, int length, IEnumerable<(int[] Sequence, double Score)> rows, SequenceTableOptions? options = null)
        : this(CollectTokens(tokens, length, rows, options ?? new SequenceTableOptions()), options ?? new SequenceTableOptions(), null)
    {
    }

    private SequenceRewardTable(SequenceScoreCollector rows, SequenceTableOptions options, TableSource? source)
        : base(rows.Tokens, rows.Length, rows.Alphabet)
    {
        _scores = rows.Scores;
        _source = source;
        Options = options;
        int count = _scores.Length;

        // y′ = max(y, R_min)^α, R = MaxReward · y′ / max y′, in log space: log R = log MaxReward + α (log ỹ − log max ỹ).
        _logRewards = new double[count];
        double logMax = double.NegativeInfinity;
        // The collector has refused y ≤ 0 when R_min = 0, so every clamped score is > 0.
        for (int i = 0; i < count; i++)
        {
            _logRewards[i] = Math.Log(Math.Max(_scores[i], options.MinimumScore));
            logMax = Math.Max(logMax, _logRewards[i]);
        }
        double logMaxReward = Math.Log(options.MaxReward);
        for (int i = 0; i < count; i++) _logRewards[i] = logMaxReward + options.Alpha * (_logRewards[i] - logMax);
        LogPartitionValue = Evaluation.StateSpace.LogSumExp(_logRewards);

        // Modes: the ModeCount (else ⌈f·|X|⌉) highest scores, and every sequence tied with the last of them.
        if (options.ModeCount > count)
            throw new ArgumentOutOfRangeException(nameof(options), options.ModeCount, $"ModeCount must be at most the number of sequences, {count}.");
        int target = options.ModeCount ?? (int)Math.Min(count, Math.Max(1, Math.Ceiling(options.ModeFraction * count - 1e-9)));
        var sorted = (double[])_scores.Clone();
        Array.Sort(sorted);
        ModeScoreThreshold = sorted[count - target];
        MaxScore = sorted[count - 1];
        _modes = new bool[count];
        for (int i = 0; i < count; i++)
            if (_scores[i] >= ModeScoreThreshold) { _modes[i] = true; ModeCount++; }

        ulong hash = 14695981039346656037UL;
        foreach (double score in _scores) hash = (hash ^ (ulong)BitConverter.DoubleToInt64Bits(score)) * 1099511628211UL;
        _hash = hash;
    }

    /// <summary>Where a table came from, when it can be recreated: a kind (<c>synthetic</c>, <c>table</c>) and its parameters.</summary>
    internal sealed record TableSource(string Kind, (string Key, object Value)[] Parameters);

    /// <summary>A table from scores in lexicographic order: <c>scores[i]</c> scores the sequence whose token indices, read
    /// as a base-K number with position 0 most significant, equal i (so <c>AAAA, AAAC, AAAG, …</c> for <c>ACGT</c>).</summary>
    /// <param name="tokens">The number of tokens K.</param>
    /// <param name="length">The sequence length L.</param>
    /// <param name="scores">K^L scores (finite; &gt; 0 when R_min = 0).</param>
    /// <param name="options">The transform and modes; <c>null</c> for the defaults (TFBind8's).</param>
    public static SequenceRewardTable FromScores(int tokens, int length, ReadOnlySpan<double> scores, SequenceTableOptions? options = null)
        => FromScoresOf(tokens, length, scores, options, null);

    internal static SequenceRewardTable FromScoresOf(int tokens, int length, ReadOnlySpan<double> scores, SequenceTableOptions? options, TableSource? source)
    {
        options ??= new SequenceTableOptions();
        var rows = NewCollector(tokens, length, options, i => $"scores[{i}]", m => new ArgumentException(m, nameof(scores)));
        if (scores.Length != rows.Scores.Length)
            throw new ArgumentException($"A table of {tokens} tokens and length {length} needs {rows.Scores.Length} scores; got {scores.Length}.", nameof(scores));
        var sequence = new int[length];
        for (int i = 0; i < scores.Length; i++)
        {
            SequenceText.FromIndex(i, tokens, sequence);
            rows.Add(sequence, scores[i], i);
        }
        return new SequenceRewardTable(rows, options, source);
    }

    /// <summary>The transform and mode options.</summary>
    public SequenceTableOptions Options { get; }

    /// <summary>The number of sequences K^L.</summary>
    public int Count => _scores.Length;

    /// <summary>The number of modes (≥ <see cref="SequenceTableOptions.ModeCount"/>, else ⌈ModeFraction · Count⌉; more only
    /// when scores tie at the cut).</summary>
    public int ModeCount { get; }

    /// <summary>The lowest score that makes a mode.</summary>
    public double ModeScoreThreshold { get; }

    /// <summary>The highest score of the table.</summary>
    public double MaxScore { get; }

    private double LogPartitionValue { get; }

    /// <summary>The exact log Z* = log Σ_x R(x) over the whole table.</summary>
    public override double? LogPartition => LogPartitionValue;

    /// <summary>The options' <see cref="SequenceTableOptions.TokenNames"/> (QM9's block SMILES), or <c>null</c>.</summary>
    public override IReadOnlyList<string>? TokenNames => Options.TokenNames;

    /// <summary>The raw score y of a complete sequence.</summary>
    public double Score(ReadOnlySpan<int> sequence) => _scores[CheckedIndex(sequence)];

    /// <summary>The reward R of a complete sequence after the transform (not in log space).</summary>
    public double Reward(ReadOnlySpan<int> sequence) => Math.Exp(_logRewards[CheckedIndex(sequence)]);

    /// <inheritdoc/>
    public override string Description
    {
        get
        {
            var parts = new List<string> { FormattableString.Invariant($"tokens={Tokens}"), FormattableString.Invariant($"length={Length}") };
            if (_source?.Kind == SyntheticBindingLandscape.Kind)
                parts.AddRange(_source.Parameters.Select(p => $"{p.Key}={Invariant(p.Value)}"));
            else
                parts.Add($"hash={_hash:x16}");
            parts.AddRange(TransformParameters(withNames: false).Select(p => $"{p.Key}={Invariant(p.Value)}"));
            return $"{_source?.Kind ?? "table"}({string.Join(", ", parts)})";
        }
    }

    /// <summary>For a synthetic landscape, a CSV file or the shipped QM9 table: <c>reward</c> (<c>synthetic</c>, <c>table</c>
    /// or <c>qm9</c>), <c>tokens</c>, <c>length</c>, the source's keys (<c>motifs</c>, <c>seed</c>; or <c>path</c>),
    /// <c>alpha</c>, <c>r-min</c>, <c>max-reward</c>, <c>mode-fraction</c> and, when set or not the default,
    /// <c>mode-count</c>, <c>alphabet</c> and <c>token-names</c> (space-separated). <c>null</c> for a table built in memory.</summary>
    public override IReadOnlyDictionary<string, string>? Parameters => _source is null ? null : EnvironmentCatalog.Invariant(
        [("reward", _source.Kind), ("tokens", Tokens), ("length", Length), .. _source.Parameters, .. TransformParameters(withNames: true)]);

    /// <inheritdoc/>
    protected override void ComputeLogRewards(ReadOnlySpan<int> sequences, Span<double> logRewards)
    {
        for (int i = 0; i < logRewards.Length; i++) logRewards[i] = _logRewards[SequenceText.Index(sequences.Slice(i * Length, Length), Tokens)];
    }

    /// <inheritdoc/>
    protected override bool IsModeCore(ReadOnlySpan<int> sequence) => _modes[SequenceText.Index(sequence, Tokens)];

    private IEnumerable<(string Key, object Value)> TransformParameters(bool withNames)
    {
        yield return ("alpha", Options.Alpha);
        yield return ("r-min", Options.MinimumScore);
        yield return ("max-reward", Options.MaxReward);
        yield return ("mode-fraction", Options.ModeFraction);
        if (Options.ModeCount is int modes) yield return ("mode-count", modes);
        if (Alphabet != SequenceText.DefaultAlphabet(Tokens)) yield return ("alphabet", Alphabet);
        if (withNames && Options.TokenNames is { } names) yield return ("token-names", string.Join(' ', names));
    }

    private static string Invariant(object value) => EnvironmentCatalog.Invariant(("v", value))["v"];

    private int CheckedIndex(ReadOnlySpan<int> sequence)
    {
        if (sequence.Length != Length) throw new ArgumentException($"A sequence has {Length} tokens; got {sequence.Length}.", nameof(sequence));
        foreach (int x in sequence)
            if ((uint)x >= (uint)Tokens)
                throw new ArgumentException($"The sequence {Format(sequence)} is not a complete sequence of {Tokens} tokens.", nameof(sequence));
        return SequenceText.Index(sequence, Tokens);
    }

    private static SequenceScoreCollector NewCollector(int tokens, int length, SequenceTableOptions options, Func<int, string> where, Func<string, Exception> error)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(tokens);
        if (tokens < 1) throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "tokens must be at least 1.");
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "length must be at least 1.");
        string alphabet = SequenceText.Resolve(options.Alphabet, tokens, nameof(options.Alphabet));
        return new SequenceScoreCollector(tokens, length, alphabet, options.MinimumScore, nameof(options.MinimumScore), where, error);
    }

    private static SequenceScoreCollector CollectTokens(int tokens, int length, IEnumerable<(int[] Sequence, double Score)> rows, SequenceTableOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var collector = NewCollector(tokens, length, options, i => $"row {i}", m => new ArgumentException(m, nameof(rows)));
        int row = 0;
        foreach (var (sequence, score) in rows)
        {
            if (sequence is null) throw new ArgumentException($"row {row}: the sequence is null.", nameof(rows));
            if (sequence.Length != length)
                throw new ArgumentException($"row {row}: the sequence {SequenceText.Format(sequence, collector.Alphabet)} has {sequence.Length} tokens; the table's sequences have {length}.", nameof(rows));
            foreach (int x in sequence)
                if ((uint)x >= (uint)tokens)
                    throw new ArgumentException($"row {row}: the sequence ({string.Join(", ", sequence)}) holds {x}, outside the tokens 0..{tokens - 1}.", nameof(rows));
            collector.Add(sequence, score, row++);
        }
        collector.CheckComplete();
        return collector;
    }

    private static SequenceScoreCollector CollectText(int tokens, IEnumerable<(string Sequence, double Score)> rows, SequenceTableOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        SequenceScoreCollector? collector = null;
        int row = 0;
        int[] sequence = [];
        foreach (var (text, score) in rows)
        {
            if (text is null) throw new ArgumentException($"row {row}: the sequence is null.", nameof(rows));
            if (collector is null)
            {
                if (text.Length == 0) throw new ArgumentException($"row {row}: the sequence is empty.", nameof(rows));
                collector = NewCollector(tokens, text.Length, options, i => $"row {i}", m => new ArgumentException(m, nameof(rows)));
                sequence = new int[text.Length];
            }
            if (text.Length != collector.Length)
                throw new ArgumentException($"row {row}: the sequence '{text}' has {text.Length} characters; the table's sequences have {collector.Length} (the length of row 0).", nameof(rows));
            if (SequenceText.TryParse(text, collector.Alphabet, sequence) is string error)
                throw new ArgumentException($"row {row}: {error}.", nameof(rows));
            collector.Add(sequence, score, row++);
        }
        if (collector is null) throw new ArgumentException("The table has no rows.", nameof(rows));
        collector.CheckComplete();
        return collector;
    }
}
