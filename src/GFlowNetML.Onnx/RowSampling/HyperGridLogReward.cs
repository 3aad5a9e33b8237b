using GFlowNetML.Environments;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.RowSampling;

/// <summary>
/// The hyper-grid's log-reward in closed form for any size: a cell earns R0 + R1 when every coordinate lies in the outer
/// region and R0 + R1 + R2 when every one lies in the band (inside the outer region); with R1, R2 ≥ 0 the levels are
/// ordered, so log R(x) = min_k f(x_k) with f(v) = log R(v, …, v), a table of H values gathered per coordinate.
/// </summary>
internal sealed class HyperGridLogReward : LogRewardGraph
{
    private readonly float[] _perCoordinate;

    public HyperGridLogReward(HyperGrid grid)
    {
        _perCoordinate = new float[grid.Height];
        var diagonal = new int[grid.Dimensions];
        var logReward = new double[1];
        for (int v = 0; v < grid.Height; v++)
        {
            Array.Fill(diagonal, v);
            grid.LogReward(diagonal, logReward);
            _perCoordinate[v] = (float)logReward[0];
        }
    }

    public override string Emit(OnnxGraph g, string states)
    {
        string levels = g.Node("Gather", [g.Constant("coordinate_log_rewards", _perCoordinate, _perCoordinate.Length), states], null, OnnxAttribute.Int("axis", 0));
        return g.Node("ReduceMin", [levels, g.Constant("axis1", [1L], 1)], null, OnnxAttribute.Int("keepdims", 0));
    }
}
