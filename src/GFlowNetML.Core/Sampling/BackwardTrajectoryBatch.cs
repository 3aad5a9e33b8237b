using GFlowNetML.Environments;

namespace GFlowNetML.Sampling;

/// <summary>
/// A batch of complete backward trajectories x = s_T → s_{T−1} → … → s_0 drawn from a backward policy π_B, stored
/// step-major like <see cref="TrajectoryBatch"/>: the rows of backward step k are the trajectories that have not reached
/// s0 yet, in trajectory order. Every row is one backward transition (s, b) from a state s to its parent s' = the state
/// after the backward action b; each row also carries the parent and the forward action s' → s, which is what a
/// forward (or guide) policy is evaluated on.
/// </summary>
public sealed class BackwardTrajectoryBatch
{
    internal BackwardTrajectoryBatch(GFlowNetEnvironment environment, int size, int[] stepOffsets, int[] rowTrajectory, int[] rowStates,
        float[] rowFeatures, bool[] rowMasks, float[] rowLogProbabilities, int[] rowActions, int[] rowNext, int[] lengths,
        int[] startStates, int[] parentStates, float[] parentFeatures, bool[] parentMasks, int[] forwardActions)
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
        StartStates = startStates;
        ParentStates = parentStates;
        ParentFeatures = parentFeatures;
        ParentMasks = parentMasks;
        ForwardActions = forwardActions;
    }

    /// <summary>The environment the trajectories were sampled in.</summary>
    public GFlowNetEnvironment Environment { get; }

    /// <summary>The number of trajectories.</summary>
    public int Size { get; }

    /// <summary>The number of rows (backward transitions) over all trajectories.</summary>
    public int RowCount => RowActions.Length;

    /// <summary>Rows <c>StepOffsets[k] .. StepOffsets[k+1]−1</c> are the backward transitions at backward step k.</summary>
    public int[] StepOffsets { get; }

    /// <summary>The number of backward steps of the longest trajectory.</summary>
    public int StepCount => StepOffsets.Length - 1;

    /// <summary>The trajectory each row belongs to.</summary>
    public int[] RowTrajectory { get; }

    /// <summary>The state s each row leaves, <c>RowCount · StateWidth</c>.</summary>
    public int[] RowStates { get; }

    /// <summary>The encoded state of each row, <c>RowCount · EncodingWidth</c>.</summary>
    public float[] RowFeatures { get; }

    /// <summary>The backward mask of each row's state, <c>RowCount · BackwardActionCount</c>.</summary>
    public bool[] RowMasks { get; }

    /// <summary>log π_B(·|s) of each row as the sampling policy computed it, <c>RowCount · BackwardActionCount</c>;
    /// disallowed actions hold −∞.</summary>
    public float[] RowLogProbabilities { get; }

    /// <summary>The backward action taken at each row.</summary>
    public int[] RowActions { get; }

    /// <summary>The row of the same trajectory at the next backward step, or −1 when this row's step reaches s0.</summary>
    public int[] RowNext { get; }

    /// <summary>The number of backward actions of each trajectory (0 when it starts at s0).</summary>
    public int[] Lengths { get; }

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

    /// <summary>log π_B(b|s) of the backward action each row took, under the sampling policy.</summary>
    public float ActionLogProbability(int row) => RowLogProbabilities[row * Environment.BackwardActionCount + RowActions[row]];
}
