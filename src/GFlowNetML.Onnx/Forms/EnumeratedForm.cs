using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.Forms;

/// <summary>
/// The ONNX form of any environment without one of its own (a user's) whose states can be enumerated, for the ML.NET
/// sampler: by table lookups, a state is its index in the enumeration, int64 [N, 1] (0 is s0, the enumeration being
/// topological), and the features, forward masks, children, state vectors (the sample) and terminal log-rewards of every
/// state are constants of the graph.
/// </summary>
internal sealed class EnumeratedForm : OnnxForm
{
    private readonly float[] _features;
    private readonly bool[] _masks;
    private readonly long[] _children;
    private readonly int _count, _encodingWidth, _actions;

    private readonly float[] _vectors, _logRewards;
    private readonly int _stateWidth;

    private EnumeratedForm(StateSpace space) : base(space.Environment)
    {
        var env = space.Environment;
        _stateWidth = env.StateWidth;
        _vectors = space.States.Select(v => (float)v).ToArray();
        _logRewards = new float[space.Count];
        for (int t = 0; t < space.Terminals.Length; t++) _logRewards[space.Terminals[t]] = (float)space.TerminalLogRewards[t];
        _count = space.Count;
        _encodingWidth = env.EncodingWidth;
        _actions = env.ActionCount;
        _features = new float[_count * _encodingWidth];
        env.Encode(space.States, _features);
        _masks = space.ForwardMask;
        _children = new long[_count * _actions];
        var child = new int[env.StateWidth];
        var action = new int[1];
        for (int s = 0; s < _count; s++)
            for (int a = 0; a < _actions; a++)
            {
                long target = s;
                if (a < _actions - 1 && _masks[s * _actions + a])
                {
                    space.State(s).CopyTo(child);
                    action[0] = a;
                    env.Step(child, action);
                    target = space.IndexOf(child);
                }
                _children[s * _actions + a] = target;
            }
    }

    /// <summary>The number of table entries the step needs per state: features, masks, children.</summary>
    private static long EntriesPerState(GFlowNetEnvironment env) => env.EncodingWidth + 2L * env.ActionCount;

    public override string Name => "enumerated-v1";

    public override string InitialStates(OnnxGraph g, string batch)
    {
        string shape = g.Node("Concat", [batch, g.Constant("one_column", [1L], 1)], null, OnnxAttribute.Int("axis", 0));
        return g.Node("ConstantOfShape", [shape], null, OnnxAttribute.Scalar("value", OnnxType.Int64, BitConverter.GetBytes(0L)));
    }

    public override string Encode(OnnxGraph g, string states)
        => Lookup(g, g.Once("enumerated_features", () => g.Constant("enumerated_features", _features, _count, _encodingWidth)), states);

    public override string ForwardMask(OnnxGraph g, string states)
        => Lookup(g, g.Once("enumerated_masks", () => g.Constant("enumerated_masks", _masks, _count, _actions)), states);

    public override string Step(OnnxGraph g, string states, string actions, string active)
    {
        string axis1 = g.Constant("axis1", [1L], 1);
        string flat = g.Node("Add", [g.Node("Mul", [states, g.Constant("action_count", [(long)_actions])]), g.Node("Unsqueeze", [actions, axis1])]);
        string children = g.Once("enumerated_children", () => g.Constant("enumerated_children", _children, _children.Length));
        string child = g.Node("Gather", [children, flat], null, OnnxAttribute.Int("axis", 0));
        return g.Node("Where", [g.Node("Unsqueeze", [active, axis1]), child, states]);
    }

    /// <summary>The form, or null (with the reason) when the environment cannot be enumerated or its tables are too large.</summary>
    public static EnumeratedForm? TryCreate(GFlowNetEnvironment env, out string reason)
    {
        var space = StateSpace.TryEnumerate(env);
        if (space is null)
        {
            reason = "it cannot enumerate its states and has no tensor form of its step.";
            return null;
        }
        long entries = space.Count * (EntriesPerState(env) + env.StateWidth + 1);
        if (entries > MaxTableEntries)
        {
            reason = $"its {space.Count} states need {entries} table entries, more than {MaxTableEntries}.";
            return null;
        }
        reason = "";
        return new EnumeratedForm(space);
    }

    public override string EncodingText => OnnxForms.EncodingText(Environment);

    public override string ActionText => OnnxForms.ActionText(Environment);

    public override string? LogRewardLimit => null;

    public override string LogReward(OnnxGraph g, string states)
        => Lookup(g, g.Once("terminal_log_rewards", () => g.Constant("terminal_log_rewards", _logRewards, _count)), states);

    /// <summary>The state vectors as floats, by lookup.</summary>
    public override string Sample(OnnxGraph g, string states)
        => Lookup(g, g.Once("state_vectors", () => g.Constant("state_vectors", _vectors, _count, _stateWidth)), states);

    /// <summary>Row <c>states</c> of a table [Count, W]: [N, W].</summary>
    private static string Lookup(OnnxGraph g, string table, string states)
    {
        string index = g.Node("Squeeze", [states, g.Constant("axis1", [1L], 1)]);
        return g.Node("Gather", [table, index], null, OnnxAttribute.Int("axis", 0));
    }
}
