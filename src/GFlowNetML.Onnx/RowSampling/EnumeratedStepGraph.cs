using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Onnx.Graphs;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.RowSampling;

/// <summary>
/// The step graph of any environment whose states can be enumerated, by table lookups: a state is its index in the
/// enumeration, int64 [N, 1] (0 is s0, the enumeration being topological), and the features, forward masks and children
/// of every state are constants of the graph.
/// </summary>
internal sealed class EnumeratedStepGraph : OnnxStepGraph
{
    private readonly float[] _features;
    private readonly bool[] _masks;
    private readonly long[] _children;
    private readonly int _count, _encodingWidth, _actions;

    /// <summary>The tables of an enumerated space.</summary>
    public EnumeratedStepGraph(StateSpace space)
    {
        var env = space.Environment;
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
    public static long EntriesPerState(GFlowNetEnvironment env) => env.EncodingWidth + 2L * env.ActionCount;

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

    /// <summary>Row <c>states</c> of a table [Count, W]: [N, W].</summary>
    internal static string Lookup(OnnxGraph g, string table, string states)
    {
        string index = g.Node("Squeeze", [states, g.Constant("axis1", [1L], 1)]);
        return g.Node("Gather", [table, index], null, OnnxAttribute.Int("axis", 0));
    }
}
