using GFlowNetML.Environments;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.Graphs;

/// <summary>
/// The hyper-grid's step as tensor operations: K-hot features as <c>Equal(Gather(x, block), offset)</c>, the masks as
/// <c>x &lt; H − 1</c> with an always-true exit column, and the "+1 on dimension a" move as the one-hot of the action.
/// </summary>
internal sealed class HyperGridStepGraph(HyperGrid grid) : OnnxStepGraph
{
    private readonly int _d = grid.Dimensions, _h = grid.Height;

    public override string Name => "hypergrid-v1";

    public override string InitialStates(OnnxGraph g, string batch)
    {
        string shape = g.Node("Concat", [batch, g.Constant("ndim", [(long)_d], 1)], null, OnnxAttribute.Int("axis", 0));
        return g.Node("ConstantOfShape", [shape], null, OnnxAttribute.Scalar("value", OnnxType.Int64, BitConverter.GetBytes(0L)));
    }

    public override string Encode(OnnxGraph g, string states)
    {
        // Feature j = k·H + v is set iff x_k = v: gather x_k for every column, compare with v.
        var block = new long[_d * _h];
        var offset = new long[_d * _h];
        for (int j = 0; j < block.Length; j++) { block[j] = j / _h; offset[j] = j % _h; }
        string gathered = g.Node("Gather", [states, g.Constant("khot_block", block, block.Length)], null, OnnxAttribute.Int("axis", 1));
        string hot = g.Node("Equal", [gathered, g.Constant("khot_value", offset, offset.Length)]);
        return g.Node("Cast", [hot], null, OnnxAttribute.Int("to", (long)OnnxType.Float));
    }

    public override string ForwardMask(OnnxGraph g, string states)
    {
        // A zero column appended for the exit action: 0 < H − 1 always holds (H ≥ 2).
        string padded = g.Node("Pad", [states, g.Constant("exit_column", [0L, 0L, 0L, 1L], 4)]);
        return g.Node("Less", [padded, g.Constant("top", [(long)(_h - 1)])]);
    }

    public override string Step(OnnxGraph g, string states, string actions, string active)
    {
        var dims = new long[_d];
        for (int k = 0; k < _d; k++) dims[k] = k;
        string axis1 = g.Constant("axis1", [1L], 1);
        string move = g.Node("Equal", [g.Node("Unsqueeze", [actions, axis1]), g.Constant("dimensions", dims, _d)]);
        string applied = g.Node("And", [move, g.Node("Unsqueeze", [active, axis1])]);
        return g.Node("Add", [states, g.Node("Cast", [applied], null, OnnxAttribute.Int("to", (long)OnnxType.Int64))]);
    }
}
