using GFlowNetML.Environments;

namespace GFlowNetML.Onnx.Graphs;

/// <summary>
/// The bit-sequence task's step as tensor operations: its states, features, masks and steps are those of an append-only
/// sequence of m = n/k words over an alphabet of 2^k (−1 for a blank word, one-hot block j·2^k + w for word j = w,
/// appended at the first blank, exit only when full), so the graph is <see cref="SequenceStepGraph"/>'s append model.
/// </summary>
internal sealed class BitSequenceStepGraph(BitSequence task)
    : SequenceStepGraph(1 << task.WordSize, task.Words, SequenceActionModel.Append)
{
    public override string Name => "bitseq-v1";
}
