using GFlowNetML.Environments;

namespace GFlowNetML.Sampling;

/// <summary>
/// An environment's sampling loop as ONNX operations for <see cref="SamplingGraph"/>: the initial states, the policy's
/// features, the forward masks, the step, the sampled object as an output column and its log-reward. Built for
/// sequences (write-any-blank and append, by tensor arithmetic) and for any environment whose states can be enumerated
/// (by table lookups over the enumerated states).
/// </summary>
internal abstract class SamplingStep
{
    /// <summary>The largest number of table entries (states × widths, or sequences) a graph may embed.</summary>
    public const long MaxTableEntries = 1L << 23;

    /// <summary>The environment.</summary>
    public abstract GFlowNetEnvironment Environment { get; }

    /// <summary>The element type of the sample output (text for sequences, float vectors otherwise).</summary>
    public abstract OnnxElement SampleType { get; }

    /// <summary>The width of a vector sample (0 for a text sample).</summary>
    public abstract int SampleWidth { get; }

    /// <summary>The initial states for a batch whose size is the int64 [1] tensor <paramref name="batch"/>.</summary>
    public abstract string Initial(OnnxBuilder g, string batch);

    /// <summary>The features float [N, EncodingWidth].</summary>
    public abstract string Encode(OnnxBuilder g, string states);

    /// <summary>The forward masks bool [N, ActionCount].</summary>
    public abstract string Mask(OnnxBuilder g, string states);

    /// <summary>The states after the actions int64 [N], applied where <paramref name="active"/> (bool [N]) holds.</summary>
    public abstract string Step(OnnxBuilder g, string states, string actions, string active);

    /// <summary>The sampled object for the output column: text [N] or float [N, SampleWidth].</summary>
    public abstract string Sample(OnnxBuilder g, string states);

    /// <summary>The log-reward float [N] of terminal states.</summary>
    public abstract string LogReward(OnnxBuilder g, string states);

    /// <summary>The step for an environment, or an explanation of why there is none.</summary>
    public static SamplingStep For(GFlowNetEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment is SequenceEnvironment { ActionModel: not SequenceActionModel.PrependOrAppend } sequence
            && SequenceSamplingStep.TryCreate(sequence) is { } s) return s;
        return EnumeratedSamplingStep.TryCreate(environment, out string reason)
            ?? throw new NotSupportedException($"The ML.NET sampler cannot run {environment.Description} inside ONNX: {reason}");
    }
}
