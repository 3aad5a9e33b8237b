namespace GFlowNetML.Rewards;

/// <summary>
/// The reward of a sequence-design task: log R(x) for complete sequences x ∈ {0..K−1}^L, in log space.
/// </summary>
/// <remarks>
/// <para>A sequence is <see cref="Length"/> token indices in <c>0 .. Tokens − 1</c>; a batch of <c>n</c> sequences is
/// one span of <c>n · Length</c> integers. <see cref="Alphabet"/> gives each token a character, so that messages and
/// files show sequences as text (e.g. <c>ACGTTGCA</c>).</para>
/// <para>Built-in rewards: <see cref="SequenceRewardTable"/> (every sequence with its score, from a CSV file or from memory,
/// with the paper's transform), <see cref="DelegateSequenceReward"/> (<see cref="FromLogReward(int, int, Func{ReadOnlySpan{int}, double}, string?)"/>:
/// computed in code) and <see cref="SyntheticBindingLandscape"/> (a seeded TFBind8-shaped table). To write another,
/// derive from this class and implement <see cref="ComputeLogRewards"/>: the base checks the sequences before the call
/// and the results after it.</para>
/// <para>Implementations must be deterministic and safe for concurrent reads.</para>
/// </remarks>
public abstract class SequenceReward
{
    /// <summary>Initialises the shape of the reward.</summary>
    /// <param name="tokens">The number of tokens K (at least 1).</param>
    /// <param name="length">The sequence length L (at least 1).</param>
    /// <param name="alphabet">One distinct character per token (not '_', comma, quote or white space), or <c>null</c> for the
    /// default: <c>ACGT</c> for K = 4, otherwise the first K of <c>0–9, A–Z, a–z</c> (K ≤ 62).</param>
    protected SequenceReward(int tokens, int length, string? alphabet)
    {
        if (tokens < 1) throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "tokens must be at least 1.");
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "length must be at least 1.");
        if ((long)tokens * length > MaxTokenPositions)
            throw new ArgumentOutOfRangeException(nameof(tokens), tokens, $"tokens · length must be at most {MaxTokenPositions} (the width of the K-hot encoding); got {tokens} · {length}.");
        Tokens = tokens;
        Length = length;
        Alphabet = SequenceText.Resolve(alphabet, tokens, nameof(alphabet));
    }

    /// <summary>The largest K · L a sequence reward accepts (the width of the K-hot encoding).</summary>
    public const int MaxTokenPositions = 1 << 20;

    /// <summary>The number of tokens K.</summary>
    public int Tokens { get; }

    /// <summary>The sequence length L.</summary>
    public int Length { get; }

    /// <summary>The character of each token, <c>Alphabet[k]</c> for token k.</summary>
    public string Alphabet { get; }

    /// <summary>A one-line description of the reward and its parameters, e.g. <c>synthetic(tokens=4, length=8, motifs=4, seed=0, …)</c>.</summary>
    public abstract string Description { get; }

    /// <summary>The parameters that recreate this reward through the environment catalog (a <c>reward</c> key naming the kind,
    /// plus its own keys), or <c>null</c> when it cannot be recreated from a description (in-memory tables, delegates).</summary>
    public virtual IReadOnlyDictionary<string, string>? Parameters => null;

    /// <summary>The exact log Z* = log Σ_x R(x) when the reward knows it (tables do), otherwise <c>null</c>.</summary>
    public virtual double? LogPartition => null;

    /// <summary>A name per token, shown next to the sequence's text wherever a sequence is printed or written (QM9's
    /// building blocks as SMILES: <c>C</c>, <c>O</c>, …, <c>CCC</c>), or <c>null</c> (the default) when the alphabet says
    /// enough.</summary>
    public virtual IReadOnlyList<string>? TokenNames => null;

    /// <summary>The sequence as its tokens' <see cref="TokenNames"/>, separated by spaces, blanks shown as '_' (QM9's
    /// <c>04474</c> is <c>C C=O C=O c1ccccc1 C=O</c>); <c>null</c> when the reward has no token names.</summary>
    /// <param name="sequence">Token indices, or −1 for a blank.</param>
    /// <exception cref="ArgumentException">A value is outside <c>−1 .. Tokens − 1</c>.</exception>
    public string? FormatNames(ReadOnlySpan<int> sequence)
    {
        if (TokenNames is not { } names) return null;
        var parts = new string[sequence.Length];
        for (int i = 0; i < sequence.Length; i++)
        {
            int x = sequence[i];
            if (x < -1 || x >= Tokens)
                throw new ArgumentException($"The sequence {Format(sequence)} holds {x} at position {i}, outside the tokens 0..{Tokens - 1} and the blank (−1).", nameof(sequence));
            parts[i] = x < 0 ? SequenceText.Blank.ToString() : names[x];
        }
        return string.Join(' ', parts);
    }

    /// <summary>Writes log R(x) for each complete sequence of the batch.</summary>
    /// <param name="sequences">The sequences, <c>n · Length</c> token indices in <c>0 .. Tokens − 1</c>.</param>
    /// <param name="logRewards">Receives the <c>n</c> log-rewards (finite, or −∞ for R = 0).</param>
    /// <exception cref="ArgumentException">A sequence is incomplete or holds a value outside <c>0 .. Tokens − 1</c>, or the spans do not match.</exception>
    /// <exception cref="InvalidOperationException">The reward produced NaN or +∞; the message names the sequence.</exception>
    public void LogRewards(ReadOnlySpan<int> sequences, Span<double> logRewards)
    {
        int n = CheckBatch(sequences, nameof(sequences));
        if (logRewards.Length < n)
            throw new ArgumentException($"{n} sequences need {n} log-rewards; the output span holds {logRewards.Length}.", nameof(logRewards));
        ComputeLogRewards(sequences[..(n * Length)], logRewards[..n]);
        for (int i = 0; i < n; i++)
        {
            double value = logRewards[i];
            if (double.IsNaN(value) || double.IsPositiveInfinity(value))
                throw new InvalidOperationException($"The reward {Description} gave log R = {value} for the sequence {Format(sequences.Slice(i * Length, Length))}; log-rewards must be finite or −∞ (R must be finite and not negative).");
        }
    }

    /// <summary>log R(x) of one complete sequence.</summary>
    public double LogReward(ReadOnlySpan<int> sequence)
    {
        Span<double> result = stackalloc double[1];
        if (sequence.Length != Length)
            throw new ArgumentException($"A sequence has {Length} tokens; got {sequence.Length}.", nameof(sequence));
        LogRewards(sequence, result);
        return result[0];
    }

    /// <summary>Whether a complete sequence counts as a mode (a high-reward object) for the "modes found" metric.</summary>
    /// <exception cref="ArgumentException">The sequence is not a complete sequence of this reward.</exception>
    public bool IsMode(ReadOnlySpan<int> sequence)
    {
        if (sequence.Length != Length)
            throw new ArgumentException($"A sequence has {Length} tokens; got {sequence.Length}.", nameof(sequence));
        CheckBatch(sequence, nameof(sequence));
        return IsModeCore(sequence);
    }

    /// <summary>Computes log R for a batch of sequences that the base has checked (complete, tokens in range, spans sized).</summary>
    /// <param name="sequences">The sequences, <c>n · Length</c> token indices.</param>
    /// <param name="logRewards">Receives exactly <c>n</c> log-rewards.</param>
    protected abstract void ComputeLogRewards(ReadOnlySpan<int> sequences, Span<double> logRewards);

    /// <summary>Whether a checked, complete sequence is a mode; <c>false</c> by default.</summary>
    protected virtual bool IsModeCore(ReadOnlySpan<int> sequence) => false;

    /// <summary>The sequence as text with <see cref="Alphabet"/>, blanks (−1) shown as '_' (e.g. <c>AC_T</c>); a sequence
    /// with out-of-range values is shown as its numbers.</summary>
    public string Format(ReadOnlySpan<int> sequence) => SequenceText.Format(sequence, Alphabet);

    /// <summary>Parses a complete sequence written with <see cref="Alphabet"/>.</summary>
    /// <exception cref="ArgumentException">The text has the wrong length or a character outside the alphabet.</exception>
    public int[] Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length != Length)
            throw new ArgumentException($"The sequence '{text}' has {text.Length} characters; sequences of this reward have {Length}.", nameof(text));
        var tokens = new int[Length];
        if (SequenceText.TryParse(text, Alphabet, tokens) is string error) throw new ArgumentException(char.ToUpperInvariant(error[0]) + error[1..] + ".", nameof(text));
        return tokens;
    }

    /// <summary>A reward computed in code, one sequence at a time (see <see cref="DelegateSequenceReward"/>).</summary>
    /// <param name="tokens">The number of tokens K.</param>
    /// <param name="length">The sequence length L.</param>
    /// <param name="logReward">log R(x) of one complete sequence (finite, or −∞ for R = 0); must be deterministic and thread-safe.</param>
    /// <param name="alphabet">The token characters, or <c>null</c> for the default.</param>
    public static DelegateSequenceReward FromLogReward(int tokens, int length, Func<ReadOnlySpan<int>, double> logReward, string? alphabet = null)
        => new(tokens, length, logReward, alphabet);

    /// <summary>A reward computed in code for a whole batch at once (see <see cref="DelegateSequenceReward"/>).</summary>
    /// <param name="tokens">The number of tokens K.</param>
    /// <param name="length">The sequence length L.</param>
    /// <param name="logRewards">Writes log R for a batch of complete sequences; must be deterministic and thread-safe.</param>
    /// <param name="alphabet">The token characters, or <c>null</c> for the default.</param>
    public static DelegateSequenceReward FromLogReward(int tokens, int length, SequenceLogRewardBatch logRewards, string? alphabet = null)
        => new(tokens, length, logRewards, alphabet);

    private int CheckBatch(ReadOnlySpan<int> sequences, string parameterName)
    {
        if (sequences.Length % Length != 0)
            throw new ArgumentException($"The sequence batch holds {sequences.Length} integers, which is not a multiple of the sequence length {Length}.", parameterName);
        int n = sequences.Length / Length;
        for (int i = 0; i < n; i++)
        {
            var sequence = sequences.Slice(i * Length, Length);
            foreach (int x in sequence)
                if ((uint)x >= (uint)Tokens)
                    throw new ArgumentException($"The sequence {Format(sequence)} is not a complete sequence of {Tokens} tokens (values 0..{Tokens - 1}, no blanks).", parameterName);
        }
        return n;
    }
}
