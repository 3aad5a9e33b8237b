using GFlowNetML.Environments;

namespace GFlowNetML.Onnx.Forms;

/// <summary>The one registry of environments' ONNX forms: a built-in environment type maps to its <see cref="OnnxForm"/>;
/// an environment of any other type has none (sampled by the host loop) unless its states can be enumerated, which the
/// ML.NET sampler runs by table lookups (<see cref="EnumeratedForm"/>).</summary>
internal static class OnnxForms
{
    private static readonly Dictionary<Type, Func<GFlowNetEnvironment, OnnxForm>> Registry = new()
    {
        [typeof(HyperGrid)] = e => new HyperGridForm((HyperGrid)e),
        [typeof(SequenceEnvironment)] = e => new SequenceForm((SequenceEnvironment)e),
        [typeof(DagEnvironment)] = e => new DagForm((DagEnvironment)e),
        [typeof(BitSequence)] = e => new BitSequenceForm((BitSequence)e),
    };

    /// <summary>The form of a built-in environment, or null for any other. Cheap: tables are computed when first emitted.</summary>
    public static OnnxForm? For(GFlowNetEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return Registry.TryGetValue(environment.GetType(), out var create) ? create(environment) : null;
    }

    /// <summary>The form the ML.NET sampler runs: the built-in one when its log-reward fits in a graph, else the enumerated
    /// fallback.</summary>
    /// <exception cref="NotSupportedException">Neither is possible; the message says which limit.</exception>
    public static OnnxForm ForRowSampler(GFlowNetEnvironment environment)
    {
        var form = For(environment);
        if (form is { LogRewardLimit: null }) return form;
        return EnumeratedForm.TryCreate(environment, out string reason)
            ?? throw new NotSupportedException($"The ML.NET sampler cannot run {environment.Description} inside ONNX: {form?.LogRewardLimit ?? reason}");
    }

    /// <summary>The encoding text of the model metadata: the form's, or a generic one for an environment without a form.</summary>
    public static string EncodingText(GFlowNetEnvironment environment)
        => For(environment)?.EncodingText ?? $"{environment.Name}'s own encoding ({environment.EncodingWidth} floats per state; GFlowNetEnvironment.Encode)";

    /// <summary>The action text of the model metadata: the form's, or a generic one for an environment without a form.</summary>
    public static string ActionText(GFlowNetEnvironment environment)
        => For(environment)?.ActionText ?? $"0..{environment.ActionCount - 2}: {environment.Name}'s actions; {environment.ActionCount - 1}: exit";
}
