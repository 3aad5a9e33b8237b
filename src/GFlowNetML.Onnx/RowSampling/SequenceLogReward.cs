using GFlowNetML.Environments;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.RowSampling;

/// <summary>
/// A sequence's log-reward by table lookup: the full sequence x is the base-K number Σ_p x_p·K^(L−1−p), an index into
/// the log-rewards of all K^L sequences, computed at build time from the environment's reward (a proxy model's predictions
/// included).
/// </summary>
internal sealed class SequenceLogReward : LogRewardGraph
{
    private readonly int _k, _l;
    private readonly float[] _logRewards;

    public SequenceLogReward(SequenceEnvironment environment)
    {
        _k = environment.Tokens;
        _l = environment.Length;
        int n = checked((int)Math.Pow(_k, _l));
        _logRewards = new float[n];
        const int chunk = 4096;
        var sequences = new int[chunk * _l];
        var values = new double[chunk];
        for (int start = 0; start < n; start += chunk)
        {
            int rows = Math.Min(chunk, n - start);
            for (int i = 0; i < rows; i++)
            {
                long index = start + i;
                for (int p = _l - 1; p >= 0; p--) { sequences[i * _l + p] = (int)(index % _k); index /= _k; }
            }
            environment.Reward.LogRewards(sequences.AsSpan(0, rows * _l), values.AsSpan(0, rows));
            for (int i = 0; i < rows; i++) _logRewards[start + i] = (float)values[i];
        }
    }

    public override string Emit(OnnxGraph g, string states)
    {
        var powers = new long[_l];
        long power = 1;
        for (int p = _l - 1; p >= 0; p--) { powers[p] = power; power *= _k; }
        string weighted = g.Node("Mul", [states, g.Constant("powers", powers, _l)]);
        string index = g.Node("ReduceSum", [weighted, g.Constant("axis1", [1L], 1)], null, OnnxAttribute.Int("keepdims", 0));
        string table = g.Once("sequence_log_rewards", () => g.Constant("sequence_log_rewards", _logRewards, _logRewards.Length));
        return g.Node("Gather", [table, index], null, OnnxAttribute.Int("axis", 0));
    }
}
