using System.Numerics;
using GFlowNetML.Environments;
using GFlowNetML.Onnx.Graphs;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.RowSampling;

/// <summary>
/// The bit-sequence log-reward −min_c d_H(x, c)/T with tensor operations: the one-hot features of x (word j = w at
/// column j·2^k + w) times the table D[j·2^k + w, c] = popcount(w XOR c_j) give every codebook distance at once
/// (small integers, exact in float); <c>ReduceMin</c> over the codebook, then −1/T.
/// </summary>
internal sealed class BitSequenceLogReward : LogRewardGraph
{
    private readonly BitSequenceStepGraph _features;
    private readonly float[] _distances;
    private readonly int _rows, _codes;
    private readonly float _scale;

    public BitSequenceLogReward(BitSequence task)
    {
        _features = new BitSequenceStepGraph(task);
        int k = task.WordSize, m = task.Words, top = 1 << k;
        _rows = m * top;
        _codes = task.CodebookSize;
        _scale = (float)(-1.0 / task.Temperature);
        _distances = new float[_rows * _codes];
        var codebook = task.Codebook;
        for (int c = 0; c < _codes; c++)
            for (int j = 0; j < m; j++)
            {
                int word = 0;
                for (int b = 0; b < k; b++) word = (word << 1) | (codebook[c][j * k + b] - '0');
                for (int w = 0; w < top; w++) _distances[(j * top + w) * _codes + c] = BitOperations.PopCount((uint)(w ^ word));
            }
    }

    public override string Emit(OnnxGraph g, string states)
    {
        string table = g.Once("codebook_word_distances", () => g.Constant("codebook_word_distances", _distances, _rows, _codes));
        string distances = g.Node("MatMul", [_features.Encode(g, states), table]);                                   // [N, |M|]
        string nearest = g.Node("ReduceMin", [distances, g.Constant("axis1", [1L], 1)], null, OnnxAttribute.Int("keepdims", 0));
        return g.Node("Mul", [nearest, g.Constant("minus_inverse_temperature", [_scale])]);
    }
}
