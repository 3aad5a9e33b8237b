using GFlowNetML.Environments;

namespace GFlowNetML.Sampling;

/// <summary>
/// What forward and backward trajectory batches share: rows stored step-major — the rows of step t are the trajectories
/// still running at t, in trajectory order, so each step's states form one contiguous block (what a network evaluates in
/// one call). Every row is one transition: a state, the policy's log-probabilities there and the action drawn.
/// </summary>
public abstract class TrajectoryRows
{
    private protected TrajectoryRows(GFlowNetEnvironment environment, int size, int actionWidth, int[] stepOffsets, int[] rowTrajectory,
        int[] rowStates, float[] rowFeatures, bool[] rowMasks, float[] rowLogProbabilities, int[] rowActions, int[] rowNext, int[] lengths)
    {
        Environment = environment;
        Size = size;
        ActionWidth = actionWidth;
        StepOffsets = stepOffsets;
        RowTrajectory = rowTrajectory;
        RowStates = rowStates;
        RowFeatures = rowFeatures;
        RowMasks = rowMasks;
        RowLogProbabilities = rowLogProbabilities;
        RowActions = rowActions;
        RowNext = rowNext;
        Lengths = lengths;
    }

    /// <summary>The environment the trajectories were sampled in.</summary>
    public GFlowNetEnvironment Environment { get; }

    /// <summary>The number of trajectories.</summary>
    public int Size { get; }

    /// <summary>The width of the action set the rows' masks and log-probabilities cover: the forward actions of a forward
    /// batch, the backward actions of a backward batch.</summary>
    public int ActionWidth { get; }

    /// <summary>The number of rows (transitions) over all trajectories.</summary>
    public int RowCount => RowActions.Length;

    /// <summary>The number of steps of the longest trajectory.</summary>
    public int StepCount => StepOffsets.Length - 1;

    /// <summary>Rows <c>StepOffsets[t] .. StepOffsets[t+1]−1</c> are the transitions at step t.</summary>
    public int[] StepOffsets { get; }

    /// <summary>The trajectory each row belongs to.</summary>
    public int[] RowTrajectory { get; }

    /// <summary>The state each row leaves, <c>RowCount · StateWidth</c>.</summary>
    public int[] RowStates { get; }

    /// <summary>The encoded state of each row, <c>RowCount · EncodingWidth</c>.</summary>
    public float[] RowFeatures { get; }

    /// <summary>The mask of each row's state over the action set, <c>RowCount · ActionWidth</c>.</summary>
    public bool[] RowMasks { get; }

    /// <summary>log π(·|s) of each row as the sampling policy computed it (without exploration noise),
    /// <c>RowCount · ActionWidth</c>; disallowed actions hold −∞.</summary>
    public float[] RowLogProbabilities { get; }

    /// <summary>The action taken at each row.</summary>
    public int[] RowActions { get; }

    /// <summary>The row of the same trajectory at the next step, or −1 on its last row.</summary>
    public int[] RowNext { get; }

    /// <summary>The number of actions of each trajectory.</summary>
    public int[] Lengths { get; }

    /// <summary>log π(a|s) of the action each row took, under the sampling policy (without exploration noise).</summary>
    public float ActionLogProbability(int row) => RowLogProbabilities[row * ActionWidth + RowActions[row]];

    /// <summary><see cref="ActionLogProbability"/> of every row, in row order.</summary>
    public float[] ActionLogProbabilities()
    {
        var result = new float[RowCount];
        for (int row = 0; row < result.Length; row++) result[row] = ActionLogProbability(row);
        return result;
    }
}
