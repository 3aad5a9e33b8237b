using System.Numerics;
using GFlowNetML.Environments;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.Forms;

/// <summary>
/// The bit-sequence task in ONNX. Its states, features, masks and steps are those of an append-only sequence of m = n/k
/// words over an alphabet of 2^k (−1 for a blank word, one-hot block j·2^k + w for word j = w, appended at the first
/// blank, exit only when full), so the step is <see cref="SequenceForm"/>'s append model. Log-reward: −min_c d_H(x, c)/T
/// with tensor operations: the one-hot features of x times the table D[j·2^k + w, c] = popcount(w XOR c_j) give every
/// codebook distance at once (small integers, exact in float); <c>ReduceMin</c> over the codebook, then −1/T. The sample
/// is the state vector (the words).
/// </summary>
internal sealed class BitSequenceForm(BitSequence task)
    : SequenceForm(task, 1 << task.WordSize, task.Words, SequenceActionModel.Append)
{
    private readonly BitSequence _task = task;

    public override string Name => "bitseq-v1";

    public override string EncodingText
        => $"one-hot words: {_task.Words} words × {1 << _task.WordSize} values (feature w·{1 << _task.WordSize} + value is 1; blank words are all zero)";

    public override string ActionText
        => $"0..{(1 << _task.WordSize) - 1}: append that {_task.WordSize}-bit word; {1 << _task.WordSize}: exit (full strings only)";

    public override string? LogRewardLimit
    {
        get
        {
            long distances = (long)_task.Words * (1L << _task.WordSize) * _task.CodebookSize;
            return distances <= MaxTableEntries ? null
                : FormattableString.Invariant($"its table of word distances would hold m·2^k·|M| = {distances} entries, more than {MaxTableEntries}.");
        }
    }

    public override string LogReward(OnnxGraph g, string states)
    {
        int rows = _task.Words * (1 << _task.WordSize), codes = _task.CodebookSize;
        string table = g.Once("codebook_word_distances", () => g.Constant("codebook_word_distances", WordDistances(), rows, codes));
        string distances = g.Node("MatMul", [Encode(g, states), table]);                                   // [N, |M|]
        string nearest = g.Node("ReduceMin", [distances, g.Constant("axis1", [1L], 1)], null, OnnxAttribute.Int("keepdims", 0));
        return g.Node("Mul", [nearest, g.Constant("minus_inverse_temperature", [(float)(-1.0 / _task.Temperature)])]);
    }

    /// <summary>D[j·2^k + w, c] = popcount(w XOR c_j), computed when first emitted.</summary>
    private float[] WordDistances()
    {
        int k = _task.WordSize, m = _task.Words, top = 1 << k, codes = _task.CodebookSize;
        var distances = new float[m * top * codes];
        var codebook = _task.Codebook;
        for (int c = 0; c < codes; c++)
            for (int j = 0; j < m; j++)
            {
                int word = 0;
                for (int b = 0; b < k; b++) word = (word << 1) | (codebook[c][j * k + b] - '0');
                for (int w = 0; w < top; w++) distances[(j * top + w) * codes + c] = BitOperations.PopCount((uint)(w ^ word));
            }
        return distances;
    }

    public override bool SampleIsText => false;

    public override string Sample(OnnxGraph g, string states) => g.Node("Cast", [states], null, OnnxAttribute.Int("to", (long)OnnxType.Float));
}
