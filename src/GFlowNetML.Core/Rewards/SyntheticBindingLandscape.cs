using GFlowNetML.Sampling;

namespace GFlowNetML.Rewards;

/// <summary>
/// A seeded synthetic stand-in for the paper's TFBind8 task (K = 4, L = 8, 65,536 sequences): transcription-factor
/// binding scores from position weight matrices (PWMs) with several planted motifs, so that the sequence task can be
/// run and evaluated exactly without the design-bench oracle tables, which cannot be downloaded here.
/// </summary>
/// <remarks>
/// <para><b>Model.</b> Motif j has width w_j ∈ [4, 6] (at most L), a strength s_j (1 for the first motif, in [0.6, 1) for
/// the others) and a PWM p_j[c, k] whose column c prefers a consensus token with probability in [0.55, 0.95); its log-odds
/// against a uniform background are W_j[c, k] = log(K · p_j[c, k]). A sequence's binding energy is a thermodynamic
/// sum over every motif and offset, plus a weak position-specific background B[i, k] ∈ [−0.15, 0.15) and a weak
/// neighbour epistasis J[i, k, k′] ∈ [−0.3, 0.3):
/// E(x) = log Σ_j Σ_o exp(s_j Σ_c W_j[c, x_{o+c}]) + Σ_i B[i, x_i] + Σ_i J[i, x_i, x_{i+1}]. The score is the relative affinity squashed to (0, 1]:
/// y(x) = exp(−κ (E_max − E(x)) / (E_max − E_min)) with κ = <see cref="DynamicRange"/>, so the best sequence scores
/// exactly 1 and the worst e^−κ.</para>
/// <para><b>Shape.</b> Several motifs at several offsets and the epistasis give many local optima under single-token
/// changes (29 with the defaults); the real-valued weights make ties between different sequences practically impossible
/// (all 65,536 scores are distinct with the defaults); the α = 3 transform gives the long tail of the paper's task. With
/// the defaults (4 motifs, seed 0) <see cref="ToTable"/> yields the TFBind8 settings: α = 3, R_min = 1e-3, max R = 10 and
/// the top 0.5% as modes, i.e. 328 modes, like the paper's 328; the median score is 0.18, the mean reward 0.11, log Z* =
/// 8.898, and the modes hold 12% of the reward mass.</para>
/// <para><b>The real tables.</b> To run the paper's TFBind8, PHO4, QM9 or sEH instead, export the oracle table as CSV
/// (<c>sequence,score</c>, a header line, one row per sequence) and read it with
/// <see cref="SequenceRewardTable.ReadCsv"/> and the task's <see cref="SequenceTableOptions"/> preset;
/// <see cref="WriteCsv"/> shows the format.</para>
/// </remarks>
public sealed class SyntheticBindingLandscape
{
    /// <summary>The reward kind name in environment parameters.</summary>
    internal const string Kind = "synthetic";

    /// <summary>The default number of planted motifs.</summary>
    public const int DefaultMotifs = 4;

    /// <summary>The largest number of tokens K (the characters 0-9, A-Z, a-z write them).</summary>
    public const int MaxTokens = 62;

    /// <summary>The largest landscape, K^L ≤ 2^24 sequences (it is scored in full).</summary>
    public const long MaxSequences = 1L << 24;

    /// <summary>κ: the score of the worst sequence is e^−κ.</summary>
    public const double DynamicRange = 3.0;

    private readonly double[][] _weights;     // per motif: width · K strength-scaled log-odds
    private readonly int[] _widths;
    private readonly double[] _background;    // L · K
    private readonly double[] _couplings;     // (L − 1) · K · K, neighbour epistasis
    private const double Coupling = 0.6;
    private readonly double[] _scores;

    /// <summary>Creates the landscape and scores every sequence.</summary>
    /// <param name="tokens">The number of tokens K (2 to 62; default 4).</param>
    /// <param name="length">The sequence length L (at least 1; default 8); K^L must be at most <see cref="MaxSequences"/>.</param>
    /// <param name="motifs">The number of planted motifs (1 to 64; default 4).</param>
    /// <param name="seed">The seed; equal seeds give equal landscapes (default 0).</param>
    public SyntheticBindingLandscape(int tokens = 4, int length = 8, int motifs = DefaultMotifs, long seed = 0)
    {
        if (tokens < 2 || tokens > MaxTokens) throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "tokens must be in 2..62.");
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "length must be at least 1.");
        if (motifs < 1 || motifs > 64) throw new ArgumentOutOfRangeException(nameof(motifs), motifs, "motifs must be in 1..64.");
        long count = SequenceText.Power(tokens, length, MaxSequences);
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(length), length, $"tokens^length must be at most {MaxSequences}; {tokens}^{length} is more.");
        Tokens = tokens;
        Length = length;
        Motifs = motifs;
        Seed = seed;

        var random = new GFlowNetRandom(seed);
        int minWidth = Math.Min(4, length), maxWidth = Math.Min(6, length);
        _widths = new int[motifs];
        _weights = new double[motifs][];
        var column = new double[tokens];
        for (int j = 0; j < motifs; j++)
        {
            int width = minWidth + random.NextInt(maxWidth - minWidth + 1);
            double strength = j == 0 ? 1.0 : 0.6 + 0.4 * random.NextDouble();
            _widths[j] = width;
            _weights[j] = new double[width * tokens];
            for (int c = 0; c < width; c++)
            {
                int consensus = random.NextInt(tokens);
                double pConsensus = 0.55 + 0.4 * random.NextDouble(), rest = 0;
                for (int k = 0; k < tokens; k++) rest += column[k] = k == consensus ? 0 : 0.05 + random.NextDouble();
                for (int k = 0; k < tokens; k++)
                {
                    double p = k == consensus ? pConsensus : (1 - pConsensus) * column[k] / rest;
                    _weights[j][c * tokens + k] = strength * Math.Log(tokens * p);
                }
            }
        }
        _background = new double[length * tokens];
        for (int i = 0; i < _background.Length; i++) _background[i] = 0.3 * (random.NextDouble() - 0.5);
        _couplings = new double[Math.Max(0, length - 1) * tokens * tokens];
        for (int i = 0; i < _couplings.Length; i++) _couplings[i] = Coupling * (random.NextDouble() - 0.5);

        var energies = new double[count];
        var sequence = new int[length];
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (long i = 0; i < count; i++)
        {
            SequenceText.FromIndex(i, tokens, sequence);
            double e = Energy(sequence);
            energies[i] = e;
            min = Math.Min(min, e);
            max = Math.Max(max, e);
        }
        double range = max > min ? max - min : 1;
        _scores = energies;
        for (long i = 0; i < count; i++) _scores[i] = Math.Exp(-DynamicRange * (max - energies[i]) / range);
    }

    /// <summary>The number of tokens K.</summary>
    public int Tokens { get; }

    /// <summary>The sequence length L.</summary>
    public int Length { get; }

    /// <summary>The number of planted motifs.</summary>
    public int Motifs { get; }

    /// <summary>The seed.</summary>
    public long Seed { get; }

    /// <summary>The number of sequences K^L.</summary>
    public int Count => _scores.Length;

    /// <summary>The widths of the planted motifs.</summary>
    public IReadOnlyList<int> MotifWidths => _widths;

    /// <summary>The score y ∈ (0, 1] of a complete sequence.</summary>
    public double Score(ReadOnlySpan<int> sequence)
    {
        if (sequence.Length != Length) throw new ArgumentException($"A sequence has {Length} tokens; got {sequence.Length}.", nameof(sequence));
        foreach (int x in sequence)
            if ((uint)x >= (uint)Tokens) throw new ArgumentException($"Token {x} is outside 0..{Tokens - 1}.", nameof(sequence));
        return _scores[SequenceText.Index(sequence, Tokens)];
    }

    /// <summary>All K^L scores in lexicographic order (position 0 most significant), a copy.</summary>
    public double[] Scores() => (double[])_scores.Clone();

    /// <summary>The reward table of this landscape with the paper's transform; its parameters recreate it
    /// (<c>reward=synthetic</c>, <c>tokens</c>, <c>length</c>, <c>motifs</c>, <c>seed</c>, and the options).</summary>
    /// <param name="options">The transform and modes; <c>null</c> for TFBind8's (α = 3, R_min = 1e-3, max R = 10, top 0.5%).</param>
    public SequenceRewardTable ToTable(SequenceTableOptions? options = null)
        => SequenceRewardTable.FromScoresOf(Tokens, Length, _scores, options, new SequenceRewardTable.TableSource(Kind, [("motifs", Motifs), ("seed", Seed)]));

    /// <summary>Writes the scores as a <c>sequence,score</c> CSV file, the format <see cref="SequenceRewardTable.ReadCsv"/> reads.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="alphabet">The token characters, or <c>null</c> for the default (<c>ACGT</c> for K = 4).</param>
    public void WriteCsv(string path, string? alphabet = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string letters = SequenceText.Resolve(alphabet, Tokens, nameof(alphabet));
        using var writer = new StreamWriter(path);
        SequenceRewardTable.WriteCsvRows(writer, Tokens, Length, letters, _scores);
    }

    private double Energy(ReadOnlySpan<int> sequence)
    {
        int k = Tokens;
        double sum = 0, background = 0;
        for (int j = 0; j < _weights.Length; j++)
        {
            var w = _weights[j];
            int width = _widths[j];
            for (int o = 0; o + width <= sequence.Length; o++)
            {
                double match = 0;
                for (int c = 0; c < width; c++) match += w[c * k + sequence[o + c]];
                sum += Math.Exp(match);
            }
        }
        for (int i = 0; i < sequence.Length; i++) background += _background[i * k + sequence[i]];
        for (int i = 0; i + 1 < sequence.Length; i++) background += _couplings[(i * k + sequence[i]) * k + sequence[i + 1]];
        return Math.Log(sum) + background;
    }
}
