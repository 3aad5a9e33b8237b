using GFlowNetML.Environments;

namespace GFlowNetML.Sampling;

/// <summary>
/// A batch of complete forward trajectories s0 → … → x → s_f, stored step-major (<see cref="TrajectoryRows"/>): every row
/// is one transition (s_t, a_t) over the forward actions; the last row of a trajectory takes the exit action.
/// <see cref="TrajectoryRows.Lengths"/> counts the exit, and <see cref="TrajectoryRows.RowNext"/> is −1 on the exit row.
/// </summary>
public sealed class TrajectoryBatch : TrajectoryRows
{
    internal TrajectoryBatch(GFlowNetEnvironment environment, int size, int[] stepOffsets, int[] rowTrajectory, int[] rowStates,
        float[] rowFeatures, bool[] rowMasks, float[] rowLogProbabilities, int[] rowActions, int[] rowNext, int[] lengths, int[] terminalStates, double[] logRewards)
        : base(environment, size, environment.ActionCount, stepOffsets, rowTrajectory, rowStates, rowFeatures, rowMasks, rowLogProbabilities, rowActions, rowNext, lengths)
    {
        TerminalStates = terminalStates;
        LogRewards = logRewards;
    }

    /// <summary>The terminal state x of each trajectory, <c>Size · StateWidth</c>.</summary>
    public int[] TerminalStates { get; }

    /// <summary>log R(x) of each trajectory's terminal state.</summary>
    public double[] LogRewards { get; }

    /// <summary>The terminal state of one trajectory.</summary>
    public ReadOnlySpan<int> TerminalState(int trajectory)
        => TerminalStates.AsSpan(trajectory * Environment.StateWidth, Environment.StateWidth);

    /// <summary>
    /// log P_B(s_t | s_{t+1}) for each row under the backward policy that is uniform over parents: −log(#parents of s_{t+1});
    /// 0 for the exit row.
    /// </summary>
    public double[] UniformBackwardLogProbabilities()
    {
        var env = Environment;
        int width = env.StateWidth, backward = env.BackwardActionCount;
        var children = new List<int>();
        for (int row = 0; row < RowCount; row++) if (RowNext[row] >= 0) children.Add(RowNext[row]);
        var childStates = new int[children.Count * width];
        for (int i = 0; i < children.Count; i++) RowStates.AsSpan(children[i] * width, width).CopyTo(childStates.AsSpan(i * width));
        var masks = new bool[children.Count * backward];
        env.BackwardMasks(childStates, masks);
        var result = new double[RowCount];
        int k = 0;
        for (int row = 0; row < RowCount; row++)
        {
            if (RowNext[row] < 0) continue;
            int parents = 0;
            for (int b = 0; b < backward; b++) if (masks[k * backward + b]) parents++;
            if (parents == 0) throw new InvalidOperationException($"The state {env.Format(childStates.AsSpan(k * width, width))} was reached by a forward step but has no parent.");
            result[row] = -Math.Log(parents);
            k++;
        }
        return result;
    }
}
