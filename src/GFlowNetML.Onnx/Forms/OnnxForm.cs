using GFlowNetML.Environments;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.Forms;

/// <summary>
/// Everything GFlowNetML.Onnx knows of one environment, in one class per environment (found through <see cref="OnnxForms"/>):
/// its step graph (initial states, encoding, forward masks and step as ONNX tensor operations on int64 states
/// [N, StateWidth], so that the whole trajectory loop runs inside one ONNX Runtime call, <see cref="Graphs.TrajectoryGraph"/>),
/// its log-reward graph (for the ML.NET sampler, which returns the reward of its draws from inside the graph), the sampled
/// object as an output, and the text the sampler model file gives for its encoding and actions.
/// </summary>
internal abstract class OnnxForm(GFlowNetEnvironment environment)
{
    /// <summary>The largest number of table entries (states × widths, sequences, local scores) a graph may embed.</summary>
    public const long MaxTableEntries = 1L << 23;

    /// <summary>The environment.</summary>
    public GFlowNetEnvironment Environment { get; } = environment;

    /// <summary>A name and version of the step graph, recorded in the model metadata.</summary>
    public abstract string Name { get; }

    /// <summary>How a state is encoded for the policy, for the model metadata.</summary>
    public abstract string EncodingText { get; }

    /// <summary>What each action does, for the model metadata.</summary>
    public abstract string ActionText { get; }

    /// <summary>The initial states [N, StateWidth] for a batch whose size is the int64 [1] tensor <paramref name="batch"/>.</summary>
    public abstract string InitialStates(OnnxGraph g, string batch);

    /// <summary>The features float [N, EncodingWidth] of the states (what <see cref="GFlowNetEnvironment.Encode"/> writes).</summary>
    public abstract string Encode(OnnxGraph g, string states);

    /// <summary>The forward masks bool [N, ActionCount] (what <see cref="GFlowNetEnvironment.ForwardMasks"/> writes).</summary>
    public abstract string ForwardMask(OnnxGraph g, string states);

    /// <summary>The states after each row's action int64 [N], applied only where <paramref name="active"/> (bool [N]) is set
    /// (the exit action leaves a state unchanged).</summary>
    public abstract string Step(OnnxGraph g, string states, string actions, string active);

    /// <summary>Why <see cref="LogReward"/> cannot be emitted (a table beyond <see cref="MaxTableEntries"/>), or null when it can.</summary>
    public abstract string? LogRewardLimit { get; }

    /// <summary>The log-reward float [N] of terminal states (only when <see cref="LogRewardLimit"/> is null).</summary>
    public abstract string LogReward(OnnxGraph g, string states);

    /// <summary>Whether the sampled object is output as text (sequences) rather than a float vector.</summary>
    public virtual bool SampleIsText => false;

    /// <summary>The width of a vector sample (0 for a text sample).</summary>
    public int SampleWidth => SampleIsText ? 0 : Environment.StateWidth;

    /// <summary>K-hot features float [N, blocks·values] of states [N, blocks]: feature b·values + v is 1 iff state column b is
    /// v (gather column b for every feature, compare with v).</summary>
    protected static string KHot(OnnxGraph g, string states, int blocks, int values)
    {
        var block = new long[blocks * values];
        var value = new long[blocks * values];
        for (int f = 0; f < block.Length; f++) { block[f] = f / values; value[f] = f % values; }
        string gathered = g.Node("Gather", [states, g.Constant("khot_block", block, block.Length)], null, OnnxAttribute.Int("axis", 1));
        string hot = g.Node("Equal", [gathered, g.Constant("khot_value", value, value.Length)]);
        return g.Node("Cast", [hot], null, OnnxAttribute.Int("to", (long)OnnxType.Float));
    }

    /// <summary>The sampled object for the output column: text [N], or by default the state vector as float [N, StateWidth].</summary>
    public virtual string Sample(OnnxGraph g, string states) => g.Node("Cast", [states], null, OnnxAttribute.Int("to", (long)OnnxType.Float));
}
