using GFlowNetML.Environments;
using GFlowNetML.Onnx.Graphs;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.RowSampling;

/// <summary>
/// What <see cref="RowSamplerGraph"/> needs of an environment: its initial states, features, forward masks and step as ONNX
/// operations (an <see cref="OnnxStepGraph"/>), the sampled object as an output column, and the log-reward of a terminal
/// state. The built-in environments use their own step graphs with the log-reward computed in the graph
/// (<see cref="LogRewardGraph"/>); any other environment whose states can be enumerated is run by table lookups over
/// the enumerated states (<see cref="EnumeratedSamplingStep"/>).
/// </summary>
internal abstract class SamplingStep
{
    /// <summary>The largest number of table entries (states × widths, sequences, local scores) a graph may embed.</summary>
    public const long MaxTableEntries = 1L << 23;

    /// <summary>The environment.</summary>
    public abstract GFlowNetEnvironment Environment { get; }

    /// <summary>The initial states, features, masks and step.</summary>
    public abstract OnnxStepGraph StepGraph { get; }

    /// <summary>Whether the sample output is text (sequences) rather than a float vector.</summary>
    public abstract bool SampleIsText { get; }

    /// <summary>The width of a vector sample (0 for a text sample).</summary>
    public abstract int SampleWidth { get; }

    /// <summary>The sampled object for the output column: text [N] or float [N, SampleWidth].</summary>
    public abstract string Sample(OnnxGraph g, string states);

    /// <summary>The log-reward float [N] of terminal states.</summary>
    public abstract string LogReward(OnnxGraph g, string states);

    /// <summary>The step for an environment, or an explanation of why there is none.</summary>
    /// <exception cref="NotSupportedException">The environment has no step graph with an in-graph reward and cannot be
    /// enumerated into tables of at most <see cref="MaxTableEntries"/> entries.</exception>
    public static SamplingStep For(GFlowNetEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? reason = null;
        if (OnnxStepGraph.For(environment) is { } graph)
        {
            if (LogRewardGraph.For(environment, out reason) is { } reward) return new TensorSamplingStep(environment, graph, reward);
        }
        return EnumeratedSamplingStep.TryCreate(environment, out string enumerationReason)
            ?? throw new NotSupportedException($"The ML.NET sampler cannot run {environment.Description} inside ONNX: {reason ?? enumerationReason}");
    }
}
