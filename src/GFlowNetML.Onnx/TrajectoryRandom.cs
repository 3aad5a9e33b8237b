using GFlowNetML.Sampling;

namespace GFlowNetML.Onnx;

/// <summary>
/// The uniforms a sampled trajectory consumes, the same in the whole-trajectory graph (<see cref="Graphs.TrajectoryGraph"/>)
/// and in the host-driven loop: each trajectory has an int64 row seed (sample i of a call with seed S has
/// <see cref="GFlowNetRandom.Derive"/>(S, i, <see cref="SeedDomain.SampleRow"/>); an ML.NET row has its seed column's value)
/// that three rounds of (h + a)(h + b) mod p turn into the first state of a Lehmer generator (x ← 48271·x mod p, p = 2³¹ − 1);
/// step t reads A uniforms u_a = x·48271^(a+1) mod p / p and leaves x·48271^A. Only int64 products below 2⁶³, so ONNX
/// Runtime computes exactly what this class does, on the CPU and on CUDA.
/// </summary>
internal struct TrajectoryRandom
{
    /// <summary>The modulus of the Lehmer generator, 2³¹ − 1.</summary>
    public const long Modulus = 2147483647;

    /// <summary>The Lehmer multiplier (MINSTD's).</summary>
    public const long Multiplier = 48271;

    /// <summary>The smallest and largest uniform Gumbel-max uses (U is clipped into (0, 1) so that G is finite).</summary>
    public const float MinUniform = 1e-7f, MaxUniform = 1 - 1.0f / (1 << 24);

    /// <summary>The six mixing constants (a, b of three rounds), each below 2²⁹.</summary>
    public static readonly long[] Mixing = [.. Enumerable.Range(0, 6).Select(i => GFlowNetRandom.Derive(0, i, SeedDomain.GraphConstant))];

    private long _x;

    /// <summary>The generator of the trajectory with row seed <paramref name="rowSeed"/>.</summary>
    public TrajectoryRandom(long rowSeed)
    {
        long h = ((rowSeed % Modulus) + Modulus) % Modulus;
        for (int round = 0; round < 3; round++) h = (h + Mixing[2 * round]) * (h + Mixing[2 * round + 1]) % Modulus;
        _x = h % (Modulus - 1) + 1;
    }

    /// <summary>48271^(a+1) mod p for a = 0 … <paramref name="actions"/> − 1: the multipliers of one step's uniforms.</summary>
    public static long[] Multipliers(int actions)
    {
        var m = new long[actions];
        long power = 1;
        for (int a = 0; a < actions; a++) m[a] = power = power * Multiplier % Modulus;
        return m;
    }

    /// <summary>Writes one step's uniforms (one per action) and advances the generator.</summary>
    public void NextStep(ReadOnlySpan<long> multipliers, Span<float> uniforms)
    {
        long xs = 0;
        for (int a = 0; a < multipliers.Length; a++)
        {
            xs = _x * multipliers[a] % Modulus;
            uniforms[a] = xs / (float)Modulus;
        }
        _x = xs;
    }

    /// <summary>The Gumbel variate −log(−log U) of a uniform, clipped as the graph clips it.</summary>
    public static float Gumbel(float u)
    {
        u = Math.Clamp(u, MinUniform, MaxUniform);
        return -MathF.Log(-MathF.Log(u));
    }
}
