using GFlowNetML.Environments;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.RowSampling;

/// <summary>
/// The log-reward of terminal states int64 [N, StateWidth] as ONNX operations, float [N], for the built-in environments:
/// a sequence's by a table over the base-K index of the sequence (so a proxy model's predictions are frozen into the
/// sampler), a DAG's BGe score as a sum of local scores looked up by parent set, a hyper-grid's in closed form, a bit
/// string's as the minimum Hamming distance to the codebook.
/// </summary>
internal abstract class LogRewardGraph
{
    /// <summary>Emits log R float [N] of the terminal states.</summary>
    public abstract string Emit(OnnxGraph g, string states);

    /// <summary>The in-graph log-reward of a built-in environment, or null (with the reason) when it has none or its table
    /// would exceed <see cref="SamplingStep.MaxTableEntries"/> entries.</summary>
    public static LogRewardGraph? For(GFlowNetEnvironment environment, out string reason)
    {
        reason = "";
        switch (environment)
        {
            case HyperGrid grid:
                return new HyperGridLogReward(grid);
            case SequenceEnvironment sequence:
                double sequences = Math.Pow(sequence.Tokens, sequence.Length);
                if (sequences <= SamplingStep.MaxTableEntries) return new SequenceLogReward(sequence);
                reason = FormattableString.Invariant($"its reward table would hold K^L = {sequences:G6} sequences, more than {SamplingStep.MaxTableEntries}.");
                return null;
            case DagEnvironment dag:
                double scores = dag.Nodes * Math.Pow(2, dag.Nodes - 1);
                if (scores <= SamplingStep.MaxTableEntries) return new DagLogReward(dag);
                reason = FormattableString.Invariant($"its table of local scores would hold d·2^(d−1) = {scores:G6} entries, more than {SamplingStep.MaxTableEntries}.");
                return null;
            case BitSequence bits:
                long distances = (long)bits.Words * (1L << bits.WordSize) * bits.CodebookSize;
                if (distances <= SamplingStep.MaxTableEntries) return new BitSequenceLogReward(bits);
                reason = FormattableString.Invariant($"its table of word distances would hold m·2^k·|M| = {distances} entries, more than {SamplingStep.MaxTableEntries}.");
                return null;
            default:
                reason = "it has no log-reward in tensor form.";
                return null;
        }
    }
}
