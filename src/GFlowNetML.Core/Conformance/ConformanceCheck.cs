namespace GFlowNetML.Conformance;

/// <summary>The names of the checks <see cref="EnvironmentConformance.Check"/> runs, as they appear in
/// <see cref="ConformanceFailure.Check"/>.</summary>
public static class ConformanceCheck
{
    /// <summary>The declared sizes (<c>StateWidth</c>, <c>ActionCount</c>, …) are usable: widths and counts positive.</summary>
    public const string Shape = "shape";

    /// <summary>s0 is written without error and allows no backward action.</summary>
    public const string InitialState = "initial-state";

    /// <summary>Every allowed non-exit forward action steps to a different state whose backward mask allows the backward
    /// action that <c>ToBackwardActions</c> names (the way back).</summary>
    public const string ForwardMask = "forward-mask";

    /// <summary>Every forward step has a backward step back: <c>BackwardStep</c> undoes <c>Step</c> and
    /// <c>ToForwardActions</c> undoes <c>ToBackwardActions</c>.</summary>
    public const string StepInverse = "step-inverse";

    /// <summary>Every state but s0 allows a backward action, and every allowed backward action leads to a parent whose forward
    /// mask allows the action that <c>ToForwardActions</c> names, which steps back to the state.</summary>
    public const string BackwardMask = "backward-mask";

    /// <summary>Exit: a state with no other allowed action allows exit (no dead ends), and exit leaves the state unchanged.</summary>
    public const string Exit = "exit";

    /// <summary>Forward trajectories end (exit) within <c>MaxTrajectoryLength</c> actions and never revisit a state.</summary>
    public const string TrajectoryLength = "trajectory-length";

    /// <summary>A sampled forward trajectory, reversed by backward steps, reproduces every state.</summary>
    public const string Reversibility = "reversibility";

    /// <summary>Backward sampling (uniform over the allowed backward actions) from a terminal state reaches s0 within
    /// <c>MaxTrajectoryLength − 1</c> backward steps.</summary>
    public const string BackwardSampling = "backward-sampling";

    /// <summary>Batched calls (masks, step, backward step, action maps, encoding, log-reward) equal one-by-one calls, and
    /// write every output value whatever the buffer held before.</summary>
    public const string BatchConsistency = "batch-consistency";

    /// <summary>Terminal states have finite log-rewards (not NaN, not ±∞), and <c>IsMode</c> answers.</summary>
    public const string LogReward = "log-reward";

    /// <summary><c>Encode</c> writes finite values, every one of them, and nothing beyond <c>EncodingWidth</c> per state.</summary>
    public const string Encoding = "encoding";

    /// <summary><c>EnumerateStates</c>: s0 first, no duplicates, topological order, every reachable state included.</summary>
    public const string Enumeration = "enumeration";

    /// <summary>An exception escaped a check (a bug in the environment that the other checks did not attribute).</summary>
    public const string UnexpectedException = "unexpected-exception";
}
