using GFlowNetML.Onnx;

namespace GFlowNetML.Cluster.Grains;

/// <summary>One range of a sampling job's samples, as arrays (states flattened row by row).</summary>
[GenerateSerializer, Immutable]
internal sealed record SampleChunk(
    [property: Id(0)] int First,
    [property: Id(1)] int StateWidth,
    [property: Id(2)] int[] States,
    [property: Id(3)] string[] Texts,
    [property: Id(4)] double[] LogProbabilities,
    [property: Id(5)] double[] LogRewards,
    [property: Id(6)] int[] Lengths)
{
    /// <summary>The samples of the chunk.</summary>
    public GFlowNetSample[] ToSamples() => [.. Texts.Select((text, i) => new GFlowNetSample(States[(i * StateWidth)..((i + 1) * StateWidth)], text, LogProbabilities[i], LogRewards[i], Lengths[i]))];
}

/// <summary>A sampling job's range of samples (model + seed + index range → samples), drawn on whichever silo the grain
/// activates on. Each sample has a random stream of its own (<see cref="SamplerSession.SampleRange"/>), so the ranges of
/// N silos join into exactly the draw of one process.</summary>
internal interface ISamplingGrain : IGrainWithStringKey
{
    /// <summary>Draws samples <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> − 1 of the seed's draw.</summary>
    Task<SampleChunk> Sample(byte[] model, long seed, int first, int count, int mode);
}

/// <summary>The sampling grain: loads the model into an ONNX Runtime session on the CPU (one thread) and draws off the
/// grain's scheduler, then deactivates.</summary>
internal sealed class SamplingGrain : Grain, ISamplingGrain
{
    public async Task<SampleChunk> Sample(byte[] model, long seed, int first, int count, int mode)
    {
        var chunk = await Task.Run(() =>
        {
            using var session = SamplerSession.Load(SamplerModel.FromBytes(model, "(cluster job)"), new SamplerSessionOptions { Device = SamplerDevice.Cpu, Threads = 1 });
            int width = session.Environment.StateWidth;
            var samples = session.SampleRange(first, count, seed, (SamplingMode)mode).SelectMany(b => b).ToList();
            return new SampleChunk(first, width, [.. samples.SelectMany(s => s.State)], [.. samples.Select(s => s.Text)],
                [.. samples.Select(s => s.LogProbability)], [.. samples.Select(s => s.LogReward)], [.. samples.Select(s => s.Length)]);
        });
        DeactivateOnIdle();
        return chunk;
    }
}
