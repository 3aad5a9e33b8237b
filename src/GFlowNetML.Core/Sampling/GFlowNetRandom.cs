namespace GFlowNetML.Sampling;

/// <summary>
/// The random source for sampling: xoshiro256** seeded through SplitMix64. Its whole state is four 64-bit words,
/// which checkpoints save and restore so that a resumed run draws exactly what an uninterrupted one would.
/// Not thread-safe: give each thread its own instance.
/// </summary>
public sealed class GFlowNetRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates a generator from a seed; equal seeds give equal streams.</summary>
    public GFlowNetRandom(long seed)
    {
        ulong x = unchecked((ulong)seed);
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    /// <summary>The generator's state, for checkpoints.</summary>
    public ulong[] GetState() => [_s0, _s1, _s2, _s3];

    /// <summary>Restores a state saved by <see cref="GetState"/>.</summary>
    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 4) throw new ArgumentException("A generator state is 4 words.", nameof(state));
        if ((state[0] | state[1] | state[2] | state[3]) == 0) throw new ArgumentException("The all-zero state is not a valid generator state.", nameof(state));
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, n).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be positive.");
        return (int)(NextDouble() * n);
    }

    /// <summary>A seed for a child generator or another library's generator, drawn from this stream.</summary>
    public long NextSeed() => unchecked((long)NextUInt64());

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x) => Mix(x += 0x9E3779B97F4A7C15UL);

    /// <summary>The one derivation of a seed from a seed and an index: every seed GFlowNetML derives (a sample's row seed,
    /// an evaluation's draws, a tuning trial's context, the in-graph generator's constants) comes from here, each
    /// <paramref name="domain"/> with its own formula.</summary>
    /// <param name="seed">The seed of the run, call or experiment.</param>
    /// <param name="index">The position within it: the sample, the iteration, the trial.</param>
    /// <param name="domain">What the seed is for.</param>
    public static long Derive(long seed, long index, SeedDomain domain)
    {
        ulong s = unchecked((ulong)seed), i = unchecked((ulong)index);
        return domain switch
        {
            SeedDomain.SampleRow => (long)(Mix(unchecked(s * 0x9E3779B97F4A7C15UL + i * 0xD1B54A32D192ED03UL + 0x632BE59BD9B4E019UL)) >> 2),
            SeedDomain.Evaluation => unchecked(seed * 0x5DEECE66DL + (long)0x9E3779B97F4A7C15UL * (index + 1)),
            SeedDomain.TuningTrial => (long)(Mix(unchecked(s * 0x9E3779B97F4A7C15UL + i)) & 0x7FFFFFFF),
            SeedDomain.TuningTraining => (long)(Mix(unchecked(s + 0x9E3779B97F4A7C15UL)) & 0x7FFFFFFFFFFFUL),
            SeedDomain.GraphConstant => (long)(Mix(unchecked((s ^ 0x6A09E667F3BCC909UL) + (i + 1) * 0x9E3779B97F4A7C15UL)) >> 35),
            _ => throw new ArgumentOutOfRangeException(nameof(domain), domain, "domain must be SampleRow, Evaluation, TuningTrial, TuningTraining or GraphConstant."),
        };
    }

    /// <summary>SplitMix64's finaliser: a bijective scramble of 64 bits, for deriving well-spread seeds from counters or
    /// (seed, index) pairs without a generator.</summary>
    public static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
