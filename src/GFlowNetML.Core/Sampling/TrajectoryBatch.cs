using GFlowNetML.Environments;

namespace GFlowNetML.Sampling;

/// <summary>
/// A batch of complete forward trajectories s0 → … → x → s_f, stored step-major: the "rows" of step t are the
/// trajectories still running at t, in trajectory order, so each step's states form one contiguous block (what a
/// network evaluates in one call). Every row is one transition (s_t, a_t); the last row of a trajectory takes the exit action.
/// </summary>
public sealed class TrajectoryBatch
{
    internal TrajectoryBatch(GFlowNetEnvironment environment, int size, int[] stepOffsets, int[] rowTrajectory, int[] rowStates,
        float[] rowFeatures, bool[] rowMasks, float[] rowLogProbabilities, int[] rowActions, int[] rowNext, int[] lengths, int[] terminalStates, double[] logRewards)
    {
        Environment = environment;
        Size = size;
        StepOffsets = stepOffsets;
        RowTrajectory = rowTrajectory;
        RowStates = rowStates;
        RowFeatures = rowFeatures;
        RowMasks = rowMasks;
        RowLogProbabilities = rowLogProbabilities;
        RowActions = rowActions;
        RowNext = rowNext;
        Lengths = lengths;
        TerminalStates = terminalStates;
        LogRewards = logRewards;
    }

    /// <summary>The environment the trajectories were sampled in.</summary>
    public GFlowNetEnvironment Environment { get; }

    /// <summary>The number of trajectories.</summary>
    public int Size { get; }

    /// <summary>The number of rows (transitions, exit included) over all trajectories.</summary>
    public int RowCount => RowActions.Length;

    /// <summary>The number of steps of the longest trajectory.</summary>
    public int StepCount => StepOffsets.Length - 1;

    /// <summary>Rows <c>StepOffsets[t] .. StepOffsets[t+1]−1</c> are the transitions at step t.</summary>
    public int[] StepOffsets { get; }

    /// <summary>The trajectory each row belongs to.</summary>
    public int[] RowTrajectory { get; }

    /// <summary>The state s_t of each row, <c>RowCount · StateWidth</c>.</summary>
    public int[] RowStates { get; }

    /// <summary>The encoded state of each row, <c>RowCount · EncodingWidth</c>.</summary>
    public float[] RowFeatures { get; }

    /// <summary>The forward mask of each row's state, <c>RowCount · ActionCount</c>.</summary>
    public bool[] RowMasks { get; }

    /// <summary>log π_F(·|s_t) of each row as the sampling policy computed it (without exploration noise),
    /// <c>RowCount · ActionCount</c>; disallowed actions hold −∞.</summary>
    public float[] RowLogProbabilities { get; }

    /// <summary>log π_F(a_t|s_t) of the action each row took, under the sampling policy (without exploration noise).</summary>
    public float ActionLogProbability(int row) => RowLogProbabilities[row * Environment.ActionCount + RowActions[row]];

    /// <summary>The action a_t taken at each row.</summary>
    public int[] RowActions { get; }

    /// <summary>The row of the same trajectory at the next step, or −1 for the exit row.</summary>
    public int[] RowNext { get; }

    /// <summary>The number of actions of each trajectory, the exit included.</summary>
    public int[] Lengths { get; }

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
