using GFlowNetML.Environments;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.Forms;

/// <summary>
/// The hyper-grid in ONNX. Step: K-hot features as <c>Equal(Gather(x, block), offset)</c>, the masks as <c>x &lt; H − 1</c>
/// with an always-true exit column, and the "+1 on dimension a" move as the one-hot of the action. Log-reward: in closed
/// form for any size: a cell earns R0 + R1 when every coordinate lies in the outer region and R0 + R1 + R2 when every one
/// lies in the band (inside the outer region); with R1, R2 ≥ 0 the levels are ordered, so log R(x) = min_k f(x_k) with
/// f(v) = log R(v, …, v), a table of H values gathered per coordinate.
/// </summary>
internal sealed class HyperGridForm(HyperGrid grid) : OnnxForm(grid)
{
    private readonly HyperGrid _grid = grid;
    private readonly int _d = grid.Dimensions, _h = grid.Height;

    public override string Name => "hypergrid-v1";

    public override string InitialStates(OnnxGraph g, string batch)
    {
        string shape = g.Node("Concat", [batch, g.Constant("ndim", [(long)_d], 1)], null, OnnxAttribute.Int("axis", 0));
        return g.Node("ConstantOfShape", [shape], null, OnnxAttribute.Scalar("value", OnnxType.Int64, BitConverter.GetBytes(0L)));
    }

    /// <summary>Feature k·H + v is set iff x_k = v.</summary>
    public override string Encode(OnnxGraph g, string states) => KHot(g, states, _d, _h);

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

    public override string EncodingText => $"k-hot: {_d} blocks of {_h} (feature d·{_h} + x_d is 1)";

    public override string ActionText => $"0..{_d - 1}: +1 on that dimension; {_d}: exit";

    public override string? LogRewardLimit => null;


    private static float[] PerCoordinate(HyperGrid grid)
    {
        var perCoordinate = new float[grid.Height];
        var diagonal = new int[grid.Dimensions];
        var logReward = new double[1];
        for (int v = 0; v < grid.Height; v++)
        {
            Array.Fill(diagonal, v);
            grid.LogReward(diagonal, logReward);
            perCoordinate[v] = (float)logReward[0];
        }
        return perCoordinate;
    }

    public override string LogReward(OnnxGraph g, string states)
    {
        string levels = g.Node("Gather", [g.Constant("coordinate_log_rewards", PerCoordinate(_grid), _h), states], null, OnnxAttribute.Int("axis", 0));
        return g.Node("ReduceMin", [levels, g.Constant("axis1", [1L], 1)], null, OnnxAttribute.Int("keepdims", 0));
    }
}
