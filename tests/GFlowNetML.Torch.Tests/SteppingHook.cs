using GFlowNetML.Environments;

namespace GFlowNetML.Torch.Tests;

/// <summary>An environment that is <paramref name="inner"/> in every respect but calls <see cref="OnStep"/> after each
/// forward step: a deterministic point inside a batch's sampling for tests of cancellation there.</summary>
internal sealed class SteppingHook(GFlowNetEnvironment inner) : GFlowNetEnvironment
{
    /// <summary>Called after every forward <see cref="Step"/> (during sampling, and during enumeration when the space is made).</summary>
    public Action? OnStep { get; set; }

    public override string Name => inner.Name;
    public override string Description => inner.Description;
    public override IReadOnlyDictionary<string, string>? Parameters => inner.Parameters;
    public override int StateWidth => inner.StateWidth;
    public override int ActionCount => inner.ActionCount;
    public override int BackwardActionCount => inner.BackwardActionCount;
    public override int EncodingWidth => inner.EncodingWidth;
    public override int MaxTrajectoryLength => inner.MaxTrajectoryLength;
    public override void WriteInitialState(Span<int> state) => inner.WriteInitialState(state);
    public override void ForwardMasks(ReadOnlySpan<int> states, Span<bool> masks) => inner.ForwardMasks(states, masks);
    public override void BackwardMasks(ReadOnlySpan<int> states, Span<bool> masks) => inner.BackwardMasks(states, masks);
    public override void Step(Span<int> states, ReadOnlySpan<int> actions)
    {
        inner.Step(states, actions);
        OnStep?.Invoke();
    }
    public override void BackwardStep(Span<int> states, ReadOnlySpan<int> backwardActions) => inner.BackwardStep(states, backwardActions);
    public override void ToBackwardActions(ReadOnlySpan<int> parents, ReadOnlySpan<int> actions, Span<int> backwardActions) => inner.ToBackwardActions(parents, actions, backwardActions);
    public override void ToForwardActions(ReadOnlySpan<int> children, ReadOnlySpan<int> backwardActions, Span<int> actions) => inner.ToForwardActions(children, backwardActions, actions);
    public override void Encode(ReadOnlySpan<int> states, Span<float> features) => inner.Encode(states, features);
    public override void LogReward(ReadOnlySpan<int> states, Span<double> logRewards) => inner.LogReward(states, logRewards);
    public override bool IsMode(ReadOnlySpan<int> state) => inner.IsMode(state);
    public override long? TotalModes => inner.TotalModes;
    public override double? LogPartition => inner.LogPartition;
    public override int[]? EnumerateStates() => inner.EnumerateStates();
    public override Guides.GFlowNetGuide? DefaultGuide => inner.DefaultGuide;
    public override string Format(ReadOnlySpan<int> state) => inner.Format(state);
}
