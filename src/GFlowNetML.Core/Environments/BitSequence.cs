using System.Numerics;
using GFlowNetML.Sampling;

namespace GFlowNetML.Environments;

/// <summary>
/// The bit-sequence task of the trajectory-balance paper (Malkin et al., 2022): n-bit strings built one k-bit word at a
/// time, appended left to right, with log R(x) = −min_{c∈M} d_H(x, c) / T for a codebook M of n-bit strings.
/// </summary>
/// <remarks>
/// <para>A state is m = n/k integers, one per word: −1 while the word is blank, otherwise its value 0..2^k − 1, whose
/// binary form (most significant bit first) gives the word's k bits. Words are filled left to right, so a state is a
/// prefix of filled words followed by blanks; s0 is all blank.</para>
/// <para>Forward actions 0..2^k − 1 append that word at the first blank position; the exit action (2^k) is allowed only
/// when every word is filled, so every trajectory has m + 1 actions. Backward actions 0..2^k − 1 remove the last filled
/// word, and the only allowed one is the word's own value (as in torchgfn), so the state graph is a tree and
/// <see cref="ToBackwardActions"/> and <see cref="ToForwardActions"/> are the identity.</para>
/// <para>Features are one-hot per word: m blocks of 2^k floats, a blank word being an all-zero block
/// (<see cref="EncodingWidth"/> = m·2^k).</para>
/// <para>The seeded codebook draws |M| strings of uniform random bits from <see cref="GFlowNetRandom"/>(seed), word by
/// word; torchgfn's defaults are n = 120, k = 4, |M| = 60, T = 1.</para>
/// </remarks>
public sealed class BitSequence : GFlowNetEnvironment
{
    /// <summary>The largest number of states for which <see cref="EnumerateStates"/> enumerates the space.</summary>
    public const long MaxEnumeratedStates = 1 << 24;

    private readonly int[] _codes;        // |M| · m word values
    private readonly ulong[] _packed;     // |M| · _lanes packed bits (see Pack)
    private readonly int _lanes;          // ⌈n / 64⌉
    private readonly bool _explicitCodebook;

    /// <summary>The largest codebook size |M|.</summary>
    public const int MaxCodebook = 65536;

    /// <summary>The declared parameters (<c>bits</c>, <c>word</c>, <c>codebook</c>, <c>temperature</c>, <c>mode-radius</c>,
    /// <c>codebook-seed</c>) with their defaults and ranges.</summary>
    public static EnvironmentDeclaration Declaration => BitSequenceDeclaration.Value;

    /// <summary>Creates a bit-sequence task with a seeded random codebook.</summary>
    /// <param name="bits">The string length n (at least 1, a multiple of <paramref name="word"/>); default 120.</param>
    /// <param name="word">The word size k, the number of bits one action appends (1..16); default 4.</param>
    /// <param name="codebook">The number of codebook strings |M| (1..65536); default 60.</param>
    /// <param name="temperature">The temperature T (a finite number greater than 0); default 1.</param>
    /// <param name="seed">The seed of the codebook.</param>
    /// <param name="modeRadius">The Hamming radius within which a string counts as a mode (0..n); <c>null</c> picks ⌊n/5⌋,
    /// see <see cref="ModeRadius"/>.</param>
    public BitSequence(int bits = 120, int word = 4, int codebook = 60, double temperature = 1.0, long seed = 0, int? modeRadius = null)
    {
        ValidateShape(bits, word);
        if (codebook < 1 || codebook > MaxCodebook)
            throw new ArgumentOutOfRangeException(nameof(codebook), codebook, "codebook must lie in 1..65536.");
        Bits = bits;
        WordSize = word;
        Words = bits / word;
        Temperature = ValidateTemperature(temperature);
        ModeRadius = ValidateModeRadius(modeRadius, bits);
        Seed = seed;
        var random = new GFlowNetRandom(seed);
        _codes = new int[codebook * Words];
        for (int i = 0; i < _codes.Length; i++) _codes[i] = (int)(random.NextUInt64() >> (64 - word));
        (_lanes, _packed) = PackCodebook(_codes, Words, word);
    }

    /// <summary>Creates a bit-sequence task with a given codebook.</summary>
    /// <param name="word">The word size k (1..16).</param>
    /// <param name="codebook">The codebook strings, all of the same length n (a multiple of k), made of '0' and '1'.</param>
    /// <param name="temperature">The temperature T (a finite number greater than 0).</param>
    /// <param name="modeRadius">The Hamming radius of a mode (0..n); <c>null</c> picks ⌊n/5⌋.</param>
    public BitSequence(int word, IReadOnlyList<string> codebook, double temperature = 1.0, int? modeRadius = null)
    {
        ArgumentNullException.ThrowIfNull(codebook);
        if (codebook.Count < 1 || codebook.Count > MaxCodebook)
            throw new ArgumentOutOfRangeException(nameof(codebook), codebook.Count, "codebook must hold 1..65536 strings.");
        int bits = codebook[0]?.Length ?? 0;
        if (bits == 0) throw new ArgumentException("Codebook string 0 is empty; codebook strings must hold at least one bit.", nameof(codebook));
        ValidateShape(bits, word);
        Bits = bits;
        WordSize = word;
        Words = bits / word;
        Temperature = ValidateTemperature(temperature);
        ModeRadius = ValidateModeRadius(modeRadius, bits);
        _explicitCodebook = true;
        _codes = new int[codebook.Count * Words];
        for (int c = 0; c < codebook.Count; c++)
        {
            string code = codebook[c] ?? "";
            if (code.Length != bits)
                throw new ArgumentException($"Codebook string {c} has {code.Length} bits; every string must have {bits} (the length of string 0).", nameof(codebook));
            for (int b = 0; b < bits; b++)
            {
                if (code[b] != '0' && code[b] != '1')
                    throw new ArgumentException($"Codebook string {c} ('{code}') holds '{code[b]}' at position {b}; only '0' and '1' are allowed.", nameof(codebook));
                _codes[c * Words + b / word] = (_codes[c * Words + b / word] << 1) | (code[b] - '0');
            }
        }
        (_lanes, _packed) = PackCodebook(_codes, Words, word);
    }

    private static (int Lanes, ulong[] Packed) PackCodebook(int[] codes, int words, int k)
    {
        int lanes = (words * k + 63) / 64, count = codes.Length / words;
        var packed = new ulong[count * lanes];
        for (int c = 0; c < count; c++) Pack(codes.AsSpan(c * words, words), k, packed.AsSpan(c * lanes, lanes));
        return (lanes, packed);
    }

    /// <summary>The string length n.</summary>
    public int Bits { get; }

    /// <summary>The word size k (bits appended per action).</summary>
    public int WordSize { get; }

    /// <summary>The number of words m = n/k (the state width).</summary>
    public int Words { get; }

    /// <summary>The temperature T.</summary>
    public double Temperature { get; }

    /// <summary>The seed of the random codebook (0 for a given codebook).</summary>
    public long Seed { get; }

    /// <summary>
    /// The Hamming radius within which a complete string counts as a mode (<see cref="IsMode"/>). The default ⌊n/5⌋
    /// (24 of 120 bits) is far below the distance of a uniformly random string: one random string lies within 24 bits of
    /// one of 60 random codes with probability about 6·10⁻¹⁰, so a mode found is a sign of learning, not luck, while the
    /// radius still counts near misses that the sharp reward (e^−24 relative to a code) already rewards little.
    /// </summary>
    public int ModeRadius { get; }

    /// <summary>The number of codebook strings |M|.</summary>
    public int CodebookSize => _codes.Length / Words;

    /// <summary>The codebook strings, as '0'/'1' strings of <see cref="Bits"/> characters.</summary>
    public IReadOnlyList<string> Codebook
    {
        get
        {
            var codes = new string[CodebookSize];
            for (int c = 0; c < codes.Length; c++) codes[c] = Format(_codes.AsSpan(c * Words, Words));
            return codes;
        }
    }

    /// <inheritdoc/>
    public override string Name => "bitseq";

    /// <inheritdoc/>
    public override string Description => _explicitCodebook
        ? FormattableString.Invariant($"bitseq(bits={Bits}, word={WordSize}, codes={string.Join(",", Codebook)}, temperature={Temperature:R}, mode-radius={ModeRadius})")
        : FormattableString.Invariant($"bitseq(bits={Bits}, word={WordSize}, codebook={CodebookSize}, temperature={Temperature:R}, seed={Seed}, mode-radius={ModeRadius})");

    /// <summary>The parameters <c>bits</c>, <c>word</c>, <c>temperature</c>, <c>mode-radius</c> and either <c>codebook</c>
    /// and <c>seed</c> (a random codebook) or <c>codes</c> (a given codebook, comma-separated bit strings).</summary>
    public override IReadOnlyDictionary<string, string> Parameters => _explicitCodebook
        ? EnvironmentCatalog.Invariant(("bits", Bits), ("word", WordSize), ("codes", string.Join(",", Codebook)),
            ("temperature", Temperature), ("mode-radius", ModeRadius))
        : EnvironmentCatalog.Invariant(("bits", Bits), ("word", WordSize), ("codebook", CodebookSize),
            ("temperature", Temperature), ("seed", Seed), ("mode-radius", ModeRadius));

    /// <inheritdoc/>
    public override int StateWidth => Words;

    /// <summary>2^k word actions plus the exit action.</summary>
    public override int ActionCount => (1 << WordSize) + 1;

    /// <summary>2^k: "remove the last word, whose value is b".</summary>
    public override int BackwardActionCount => 1 << WordSize;

    /// <inheritdoc/>
    public override int EncodingWidth => Words << WordSize;

    /// <summary>m word actions and the exit action.</summary>
    public override int MaxTrajectoryLength => Words + 1;

    /// <summary>The number of states Σ_{j=0..m} 2^(k·j), or +∞ when it does not fit in a double.</summary>
    public double StateCount
    {
        get
        {
            double total = 0;
            for (int j = 0; j <= Words; j++) total += Math.Pow(2, (double)WordSize * j);
            return total;
        }
    }

    /// <inheritdoc/>
    public override void WriteInitialState(Span<int> state) => state[..Words].Fill(-1);

    /// <inheritdoc/>
    public override void ForwardMasks(ReadOnlySpan<int> states, Span<bool> masks)
    {
        int batch = BatchOf(states), m = Words, a = ActionCount;
        for (int i = 0; i < batch; i++)
        {
            bool full = Filled(states.Slice(i * m, m)) == m;
            masks.Slice(i * a, a - 1).Fill(!full);
            masks[i * a + a - 1] = full;
        }
    }

    /// <inheritdoc/>
    public override void BackwardMasks(ReadOnlySpan<int> states, Span<bool> masks)
    {
        int batch = BatchOf(states), m = Words, b = BackwardActionCount;
        masks[..(batch * b)].Clear();
        for (int i = 0; i < batch; i++)
        {
            int filled = Filled(states.Slice(i * m, m));
            if (filled > 0) masks[i * b + states[i * m + filled - 1]] = true;
        }
    }

    /// <inheritdoc/>
    public override void Step(Span<int> states, ReadOnlySpan<int> actions)
    {
        int batch = BatchOf(states), m = Words, exit = ExitAction;
        for (int i = 0; i < batch; i++)
        {
            int action = actions[i];
            if (action == exit) continue;
            var state = states.Slice(i * m, m);
            int filled = Filled(state);
            if ((uint)action > (uint)exit || filled == m)
                throw new ArgumentException($"Action {action} is not allowed in state {Format(state)}.", nameof(actions));
            state[filled] = action;
        }
    }

    /// <inheritdoc/>
    public override void BackwardStep(Span<int> states, ReadOnlySpan<int> backwardActions)
    {
        int batch = BatchOf(states), m = Words;
        for (int i = 0; i < batch; i++)
        {
            var state = states.Slice(i * m, m);
            int filled = Filled(state);
            if (filled == 0 || state[filled - 1] != backwardActions[i])
                throw new ArgumentException($"Backward action {backwardActions[i]} is not allowed in state {Format(state)}.", nameof(backwardActions));
            state[filled - 1] = -1;
        }
    }

    /// <inheritdoc/>
    public override void ToBackwardActions(ReadOnlySpan<int> parents, ReadOnlySpan<int> actions, Span<int> backwardActions)
        => actions[..BatchOf(parents)].CopyTo(backwardActions);

    /// <inheritdoc/>
    public override void ToForwardActions(ReadOnlySpan<int> children, ReadOnlySpan<int> backwardActions, Span<int> actions)
        => backwardActions[..BatchOf(children)].CopyTo(actions);

    /// <inheritdoc/>
    public override void Encode(ReadOnlySpan<int> states, Span<float> features)
    {
        int batch = BatchOf(states), m = Words, width = EncodingWidth, k = WordSize;
        features[..(batch * width)].Clear();
        for (int i = 0; i < batch; i++)
            for (int j = 0; j < m; j++)
            {
                int w = states[i * m + j];
                if (w >= 0) features[i * width + (j << k) + w] = 1f;
            }
    }

    /// <summary>Writes log R(x) = −min_c d_H(x, c)/T for each complete string of the batch.</summary>
    /// <exception cref="ArgumentException">A state is not a complete string.</exception>
    public override void LogReward(ReadOnlySpan<int> states, Span<double> logRewards)
    {
        int batch = BatchOf(states), m = Words;
        for (int i = 0; i < batch; i++)
            logRewards[i] = -MinimumDistance(states.Slice(i * m, m)) / Temperature;
    }

    /// <summary>The Hamming distance from a complete string to the nearest codebook string, min_c d_H(x, c).</summary>
    /// <param name="state">A complete string (<see cref="Words"/> filled words).</param>
    /// <exception cref="ArgumentException">The state has the wrong width, a blank word or a word outside 0..2^k − 1.</exception>
    public int MinimumDistance(ReadOnlySpan<int> state)
    {
        if (state.Length != Words) throw new ArgumentException($"A state has {Words} words; got {state.Length}.", nameof(state));
        int top = 1 << WordSize;
        foreach (int w in state)
            if ((uint)w >= (uint)top)
                throw new ArgumentException($"The reward is defined for complete strings with words in 0..{top - 1}; got {Format(state)}.", nameof(state));
        int lanes = _lanes;
        Span<ulong> packed = lanes <= 64 ? stackalloc ulong[lanes] : new ulong[lanes];
        Pack(state, WordSize, packed);
        int best = int.MaxValue;
        for (int c = 0; c < CodebookSize && best > 0; c++)
        {
            var code = _packed.AsSpan(c * lanes, lanes);
            int d = 0;
            for (int l = 0; l < lanes && d < best; l++) d += BitOperations.PopCount(packed[l] ^ code[l]);
            if (d < best) best = d;
        }
        return best;
    }

    /// <summary>Packs the bits of complete words into 64-bit lanes (word j occupies bits j·k .. j·k + k − 1), so that the
    /// Hamming distance is a popcount per lane.</summary>
    private static void Pack(ReadOnlySpan<int> words, int k, Span<ulong> packed)
    {
        packed.Clear();
        for (int j = 0; j < words.Length; j++)
        {
            ulong w = (ulong)words[j];
            int position = j * k, lane = position >> 6, offset = position & 63;
            packed[lane] |= w << offset;
            if (offset + k > 64) packed[lane + 1] |= w >> (64 - offset);
        }
    }

    /// <summary>A complete string within <see cref="ModeRadius"/> bits of a codebook string.</summary>
    public override bool IsMode(ReadOnlySpan<int> state)
        => state.Length == Words && Filled(state) == Words && MinimumDistance(state) <= ModeRadius;

    /// <summary>Enumerates all states by number of filled words, then in lexicographic word order (a topological order:
    /// a child has one more word than its parent). Returns <c>null</c> beyond <see cref="MaxEnumeratedStates"/> states.</summary>
    public override int[]? EnumerateStates()
    {
        if (StateCount > MaxEnumeratedStates) return null;
        int m = Words, k = WordSize, count = (int)StateCount;
        var states = new int[count * m];
        Array.Fill(states, -1);
        int row = 0;
        for (int j = 0; j <= m; j++)
        {
            int layer = 1 << (k * j);
            for (int index = 0; index < layer; index++, row++)
            {
                int rest = index;
                for (int p = j - 1; p >= 0; p--) { states[row * m + p] = rest & ((1 << k) - 1); rest >>= k; }
            }
        }
        return states;
    }

    /// <summary>The bit string, most significant bit of each word first, blank words as k underscores, e.g. <c>0110____</c>.</summary>
    public override string Format(ReadOnlySpan<int> state)
    {
        int k = WordSize, top = 1 << k;
        var text = new char[state.Length * k];
        for (int j = 0; j < state.Length; j++)
        {
            int w = state[j];
            for (int b = 0; b < k; b++)
                text[j * k + b] = w == -1 ? '_' : (uint)w >= (uint)top ? '?' : (char)('0' + ((w >> (k - 1 - b)) & 1));
        }
        return new string(text);
    }

    /// <summary>The number of filled words: the position of the first blank.</summary>
    private static int Filled(ReadOnlySpan<int> state)
    {
        int blank = state.IndexOf(-1);
        return blank < 0 ? state.Length : blank;
    }

    private static void ValidateShape(int bits, int word)
    {
        if (word < 1 || word > 16) throw new ArgumentOutOfRangeException(nameof(word), word, "word must lie in 1..16.");
        if (bits < 1) throw new ArgumentOutOfRangeException(nameof(bits), bits, "bits must be at least 1.");
        if (bits % word != 0) throw new ArgumentException($"bits ({bits}) must be a multiple of word ({word}).", nameof(bits));
        if ((long)(bits / word) << word > 1 << 20)
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "(bits / word) · 2^word must be at most 1048576 (the width of the one-hot encoding).");
    }

    private static double ValidateTemperature(double temperature)
        => temperature > 0 && !double.IsInfinity(temperature)
            ? temperature
            : throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be a finite number greater than 0.");

    private static int ValidateModeRadius(int? modeRadius, int bits)
    {
        int radius = modeRadius ?? bits / 5;
        if (radius < 0 || radius > bits)
            throw new ArgumentOutOfRangeException(nameof(modeRadius), radius, $"modeRadius must lie in 0..{bits} (bits).");
        return radius;
    }
}
