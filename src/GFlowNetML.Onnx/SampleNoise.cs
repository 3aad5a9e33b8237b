using GFlowNetML.Sampling;

namespace GFlowNetML.Onnx;

/// <summary>
/// The uniforms a sampled trajectory consumes: sample i of a call with seed S draws from its own
/// <see cref="GFlowNetRandom"/> (seeded from S and i), A uniforms per step in action order. Both sampling modes read the
/// same numbers, so the samples depend on the seed and the sample's index only (not on the batch size or the mode).
/// </summary>
internal static class SampleNoise
{
    /// <summary>The random stream of sample <paramref name="index"/>.</summary>
    public static GFlowNetRandom Stream(long seed, long index)
    {
        ulong z = unchecked((ulong)seed + 0x9E3779B97F4A7C15UL * (ulong)(index + 1) * 4);
        return new GFlowNetRandom(unchecked((long)GFlowNetRandom.Mix(z)));
    }

    /// <summary>A uniform float in (0, 1) with 24 random bits: (k + ½)/2²⁴.</summary>
    public static float Uniform(GFlowNetRandom random) => ((random.NextUInt64() >> 40) + 0.5f) * (1.0f / (1 << 24));

    /// <summary>The Gumbel variate the trajectory graph computes from a uniform (clipped as the graph clips it).</summary>
    public static float Gumbel(float u)
    {
        u = Math.Clamp(u, Graphs.TrajectoryGraph.MinUniform, Graphs.TrajectoryGraph.MaxUniform);
        return -MathF.Log(-MathF.Log(u));
    }
}
