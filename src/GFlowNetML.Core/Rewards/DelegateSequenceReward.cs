namespace GFlowNetML.Rewards;

/// <summary>Writes log R for a batch of complete sequences (<c>n · L</c> token indices → <c>n</c> log-rewards).</summary>
/// <param name="sequences">The sequences, <c>n · L</c> token indices.</param>
/// <param name="logRewards">Receives the <c>n</c> log-rewards (finite, or −∞ for R = 0).</param>
public delegate void SequenceLogRewardBatch(ReadOnlySpan<int> sequences, Span<double> logRewards);

/// <summary>
/// A sequence reward computed in code: a per-sequence <see cref="Func{T, TResult}"/> or a batched
/// <see cref="SequenceLogRewardBatch"/> (for example a proxy model scoring a batch at once). Every result is checked:
/// NaN and +∞ are rejected with a message naming the sequence; −∞ (R = 0) is allowed.
/// </summary>
/// <remarks>
/// <para>The delegate must be deterministic and safe to call from several threads. Modes are either given by
/// <see cref="ModeTest"/> or by <see cref="ModeLogRewardThreshold"/> (log R ≥ threshold); with neither, no sequence is a mode.</para>
/// <para>A delegate cannot be written into a model file, so <see cref="SequenceReward.Parameters"/> is <c>null</c> and the
/// environment cannot be recreated from its description; the exact log Z is computed by enumeration when the space is small.</para>
/// </remarks>
public sealed class DelegateSequenceReward : SequenceReward
{
    private readonly Func<ReadOnlySpan<int>, double>? _single;
    private readonly SequenceLogRewardBatch? _batch;
    private readonly double? _modeThreshold;

    /// <summary>A reward computed one sequence at a time.</summary>
    /// <param name="tokens">The number of tokens K (at least 1).</param>
    /// <param name="length">The sequence length L (at least 1).</param>
    /// <param name="logReward">log R(x) of one complete sequence.</param>
    /// <param name="alphabet">The token characters, or <c>null</c> for the default (<c>ACGT</c> for K = 4).</param>
    public DelegateSequenceReward(int tokens, int length, Func<ReadOnlySpan<int>, double> logReward, string? alphabet = null)
        : base(tokens, length, alphabet)
    {
        _single = logReward ?? throw new ArgumentNullException(nameof(logReward));
    }

    /// <summary>A reward computed for a whole batch at once.</summary>
    /// <param name="tokens">The number of tokens K (at least 1).</param>
    /// <param name="length">The sequence length L (at least 1).</param>
    /// <param name="logRewards">Writes log R for a batch of complete sequences.</param>
    /// <param name="alphabet">The token characters, or <c>null</c> for the default (<c>ACGT</c> for K = 4).</param>
    public DelegateSequenceReward(int tokens, int length, SequenceLogRewardBatch logRewards, string? alphabet = null)
        : base(tokens, length, alphabet)
    {
        _batch = logRewards ?? throw new ArgumentNullException(nameof(logRewards));
    }

    private DelegateSequenceReward(DelegateSequenceReward other, Func<ReadOnlySpan<int>, bool>? modeTest, double? modeThreshold)
        : base(other.Tokens, other.Length, other.Alphabet)
    {
        _single = other._single;
        _batch = other._batch;
        ModeTest = modeTest;
        _modeThreshold = modeThreshold;
    }

    /// <summary>The mode test, if one was given by <see cref="WithModes(Func{ReadOnlySpan{int}, bool})"/>.</summary>
    public Func<ReadOnlySpan<int>, bool>? ModeTest { get; }

    /// <summary>The log-reward at or above which a sequence is a mode, if one was given by <see cref="WithModes(double)"/>.</summary>
    public double? ModeLogRewardThreshold => _modeThreshold;

    /// <summary>This reward with modes defined by a predicate on complete sequences.</summary>
    public DelegateSequenceReward WithModes(Func<ReadOnlySpan<int>, bool> isMode)
        => new(this, isMode ?? throw new ArgumentNullException(nameof(isMode)), null);

    /// <summary>This reward with modes defined as the sequences whose log R is at least <paramref name="logRewardThreshold"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is NaN.</exception>
    public DelegateSequenceReward WithModes(double logRewardThreshold)
    {
        if (double.IsNaN(logRewardThreshold)) throw new ArgumentOutOfRangeException(nameof(logRewardThreshold), logRewardThreshold, "logRewardThreshold must be a number.");
        return new(this, null, logRewardThreshold);
    }

    /// <inheritdoc/>
    public override string Description => FormattableString.Invariant($"delegate(tokens={Tokens}, length={Length})");

    /// <inheritdoc/>
    protected override void ComputeLogRewards(ReadOnlySpan<int> sequences, Span<double> logRewards)
    {
        if (_batch is not null)
        {
            _batch(sequences, logRewards);
            return;
        }
        for (int i = 0; i < logRewards.Length; i++) logRewards[i] = _single!(sequences.Slice(i * Length, Length));
    }

    /// <inheritdoc/>
    protected override bool IsModeCore(ReadOnlySpan<int> sequence)
    {
        if (ModeTest is not null) return ModeTest(sequence);
        return _modeThreshold is double threshold && LogReward(sequence) >= threshold;
    }
}
