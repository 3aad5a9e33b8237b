using GFlowNetML.Environments;
using GFlowNetML.Evaluation;

namespace GFlowNetML.Sampling;

/// <summary>
/// Any environment whose states can be enumerated, by table lookups: a state is its index in the enumeration (int64 [N]),
/// and the features, masks, children, state vectors and log-rewards of every state are constants of the graph.
/// </summary>
internal sealed class EnumeratedSamplingStep : SamplingStep
{
    private readonly GFlowNetEnvironment _env;
    private readonly float[] _features, _vectors, _logRewards;
    private readonly bool[] _masks;
    private readonly long[] _children;
    private readonly int _count;

    private EnumeratedSamplingStep(GFlowNetEnvironment env, StateSpace space)
    {
        _env = env;
        _count = space.Count;
        int width = env.StateWidth, actions = env.ActionCount;
        _features = new float[_count * env.EncodingWidth];
        env.Encode(space.States, _features);
        _masks = space.ForwardMask;
        _vectors = space.States.Select(v => (float)v).ToArray();
        _children = new long[_count * actions];
        var child = new int[width];
        var action = new int[1];
        for (int s = 0; s < _count; s++)
            for (int a = 0; a < actions; a++)
            {
                long target = s;
                if (a < actions - 1 && _masks[s * actions + a])
                {
                    space.State(s).CopyTo(child);
                    action[0] = a;
                    env.Step(child, action);
                    target = space.IndexOf(child);
                }
                _children[s * actions + a] = target;
            }
        _logRewards = new float[_count];
        for (int t = 0; t < space.Terminals.Length; t++) _logRewards[space.Terminals[t]] = (float)space.TerminalLogRewards[t];
    }

    /// <summary>The step, or null (with the reason) when the environment cannot be enumerated or its tables are too large.</summary>
    public static EnumeratedSamplingStep? TryCreate(GFlowNetEnvironment env, out string reason)
    {
        var space = StateSpace.TryEnumerate(env);
        if (space is null)
        {
            reason = "it cannot enumerate its states and has no tensor form of its step.";
            return null;
        }
        long entries = (long)space.Count * (env.EncodingWidth + 2L * env.ActionCount + env.StateWidth + 1);
        if (entries > MaxTableEntries)
        {
            reason = $"its {space.Count} states need {entries} table entries, more than {MaxTableEntries}.";
            return null;
        }
        reason = "";
        return new EnumeratedSamplingStep(env, space);
    }

    public override GFlowNetEnvironment Environment => _env;

    public override OnnxElement SampleType => OnnxElement.Float;

    public override int SampleWidth => _env.StateWidth;

    public override string Initial(OnnxBuilder g, string batch)
        => g.Node("ConstantOfShape", [batch], ("value", OnnxBuilder.TensorValue.Scalar(0L)));

    public override string Encode(OnnxBuilder g, string states)
        => g.Node("Gather", [g.Once("features", () => g.Float("features", _features, _count, _env.EncodingWidth)), states], ("axis", 0L));

    public override string Mask(OnnxBuilder g, string states)
        => g.Node("Gather", [g.Once("masks", () => g.Bool("masks", _masks, _count, _env.ActionCount)), states], ("axis", 0L));

    public override string Step(OnnxBuilder g, string states, string actions, string active)
    {
        string flat = g.Node("Add", [g.Node("Mul", [states, g.Int64("actions", [_env.ActionCount])]), actions]);
        string child = g.Node("Gather", [g.Once("children", () => g.Int64("children", _children, _children.Length)), flat], ("axis", 0L));
        return g.Node("Where", [active, child, states]);
    }

    public override string Sample(OnnxBuilder g, string states)
        => g.Node("Gather", [g.Once("state_vectors", () => g.Float("state_vectors", _vectors, _count, _env.StateWidth)), states], ("axis", 0L));

    public override string LogReward(OnnxBuilder g, string states)
        => g.Node("Gather", [g.Once("log_rewards", () => g.Float("log_rewards", _logRewards, _count)), states], ("axis", 0L));
}
