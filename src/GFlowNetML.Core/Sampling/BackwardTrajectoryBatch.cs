using GFlowNetML.Environments;

namespace GFlowNetML.Sampling;

/// <summary>
/// A batch of complete backward trajectories x = s_T → s_{T−1} → … → s_0 drawn from a backward policy π_B, stored
/// step-major (<see cref="TrajectoryRows"/>): every row is one backward transition (s, b) over the backward actions, from a
/// state s to its parent s' = the state after b; <see cref="TrajectoryRows.RowNext"/> is −1 on the row that reaches s0 and
/// <see cref="TrajectoryRows.Lengths"/> counts backward actions (0 for a trajectory that starts at s0). Each row also
/// carries the parent and the forward action s' → s, which is what a forward (or guide) policy is evaluated on.
/// </summary>
public sealed class BackwardTrajectoryBatch : TrajectoryRows
{
    internal BackwardTrajectoryBatch(GFlowNetEnvironment environment, int size, int[] stepOffsets, int[] rowTrajectory, int[] rowStates,
        float[] rowFeatures, bool[] rowMasks, float[] rowLogProbabilities, int[] rowActions, int[] rowNext, int[] lengths,
        int[] startStates, int[] parentStates, float[] parentFeatures, bool[] parentMasks, int[] forwardActions)
        : base(environment, size, environment.BackwardActionCount, stepOffsets, rowTrajectory, rowStates, rowFeatures, rowMasks, rowLogProbabilities, rowActions, rowNext, lengths)
    {
        StartStates = startStates;
        ParentStates = parentStates;
        ParentFeatures = parentFeatures;
        ParentMasks = parentMasks;
        ForwardActions = forwardActions;
    }

    /// <summary>The state each trajectory starts from, <c>Size · StateWidth</c>.</summary>
    public int[] StartStates { get; }

    /// <summary>The parent each row's backward action leads to, <c>RowCount · StateWidth</c>.</summary>
    public int[] ParentStates { get; }

    /// <summary>The encoded parent of each row, <c>RowCount · EncodingWidth</c>.</summary>
    public float[] ParentFeatures { get; }

    /// <summary>The forward mask of each row's parent, <c>RowCount · ActionCount</c>.</summary>
    public bool[] ParentMasks { get; }

    /// <summary>The forward action from each row's parent back to the row's state.</summary>
    public int[] ForwardActions { get; }

}
