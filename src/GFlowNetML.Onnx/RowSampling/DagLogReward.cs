using GFlowNetML.Environments;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.RowSampling;

/// <summary>
/// The structure-learning log-reward BGe(G) − BGe(∅) = Σ_j [local(j, Pa_j) − local(j, ∅)] (<see cref="Rewards.BGeScore"/>)
/// without enumerating DAGs: node j's parent set, the other d − 1 nodes' adjacency flags of column j as bits (node i at
/// bit i, or i − 1 after j), indexes a table of d·2^(d−1) local-score differences computed at build time in float64; the
/// d gathered terms are summed in float64 and cast to float.
/// </summary>
internal sealed class DagLogReward : LogRewardGraph
{
    private readonly int _d;
    private readonly double[] _localScores;

    public DagLogReward(DagEnvironment environment)
    {
        _d = environment.Nodes;
        int sets = 1 << (_d - 1);
        _localScores = new double[_d * sets];
        var score = environment.Score;
        for (int j = 0; j < _d; j++)
        {
            double empty = score.LocalScore(j, 0);
            for (int index = 1; index < sets; index++)
                _localScores[j * sets + index] = score.LocalScore(j, ParentMask(j, index)) - empty;
        }
    }

    /// <summary>The parent bit mask over all d nodes of node <paramref name="node"/>'s parent-set index.</summary>
    private static int ParentMask(int node, int index)
    {
        int low = index & ((1 << node) - 1);
        return low | ((index >> node) << (node + 1));
    }

    public override string Emit(OnnxGraph g, string states)
    {
        int square = _d * _d, sets = 1 << (_d - 1);
        var bit = new long[square];
        var offset = new long[_d];
        for (int i = 0; i < _d; i++)
            for (int j = 0; j < _d; j++)
                bit[i * _d + j] = i == j ? 0 : 1L << (i < j ? i : i - 1);
        for (int j = 0; j < _d; j++) offset[j] = (long)j * sets;
        string axis1 = g.Constant("axis1", [1L], 1);
        string adjacency = g.Node("Slice", [states, g.Constant("slice_start", [0L], 1), g.Constant("slice_end", [(long)square], 1), axis1]);
        string weighted = g.Node("Reshape", [g.Node("Mul", [adjacency, g.Constant("parent_bits", bit, square)]), g.Constant("node_square", [-1L, _d, _d], 3)]);
        string parentSets = g.Node("ReduceSum", [weighted, axis1], null, OnnxAttribute.Int("keepdims", 0));             // [N, d]: sum over i
        string index = g.Node("Add", [parentSets, g.Constant("node_offset", offset, _d)]);
        string table = g.Once("bge_local_scores", () => g.Constant("bge_local_scores", _localScores, _localScores.Length));
        string terms = g.Node("Gather", [table, index], null, OnnxAttribute.Int("axis", 0));                            // [N, d] double
        string sum = g.Node("ReduceSum", [terms, axis1], null, OnnxAttribute.Int("keepdims", 0));
        return g.Node("Cast", [sum], null, OnnxAttribute.Int("to", (long)OnnxType.Float));
    }
}
