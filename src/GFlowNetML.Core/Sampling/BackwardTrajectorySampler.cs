using GFlowNetML.Environments;

namespace GFlowNetML.Sampling;

/// <summary>
/// Samples backward trajectories x → … → s0 from a backward policy π_B, starting from given states (for example the
/// terminal states of a forward batch): one policy call per backward step for all running trajectories, actions drawn
/// on the host from a seeded <see cref="GFlowNetRandom"/>, masked (non-parent) actions never taken. A trajectory ends
/// when it reaches s0, the only state without parents.
/// </summary>
public sealed class BackwardTrajectorySampler
{
    private readonly GFlowNetEnvironment _env;

    /// <summary>Creates a sampler for an environment.</summary>
    public BackwardTrajectorySampler(GFlowNetEnvironment environment)
    {
        _env = environment ?? throw new ArgumentNullException(nameof(environment));
    }

    /// <summary>Samples one backward trajectory from each start state.</summary>
    /// <param name="policy">The backward policy (over <see cref="GFlowNetEnvironment.BackwardActionCount"/> actions, with the backward masks).</param>
    /// <param name="startStates">The start states, <c>n · StateWidth</c> integers (n ≥ 1), each reachable from s0.</param>
    /// <param name="random">The random source; advanced by the draws.</param>
    public BackwardTrajectoryBatch Sample(IPolicy policy, ReadOnlySpan<int> startStates, GFlowNetRandom random)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(random);
        int width = _env.StateWidth, backward = _env.BackwardActionCount, forward = _env.ActionCount, encoding = _env.EncodingWidth;
        if (startStates.Length == 0 || startStates.Length % width != 0)
            throw new ArgumentException($"startStates must hold a positive multiple of the state width {width} integers; got {startStates.Length}.", nameof(startStates));
        int size = startStates.Length / width;

        var rows = new RowRecorder(_env, backward, _env.BackwardMasks, size * 4);
        var parentStates = new GrowableArray<int>(size * 4 * width);
        var forwardActions = new GrowableArray<int>(size * 4);
        var lengths = new int[size];

        // The running trajectories, compacted: ids and current states. A start state without parents is s0: length 0.
        var ids = new int[size];
        var states = new int[size * width];
        var masks = new bool[size * backward];
        _env.BackwardMasks(startStates, masks);
        int running = 0;
        for (int i = 0; i < size; i++)
        {
            if (!HasParent(masks.AsSpan(i * backward, backward))) continue;
            ids[running] = i;
            startStates.Slice(i * width, width).CopyTo(states.AsSpan(running * width, width));
            running++;
        }

        for (int k = 0; running > 0; k++)
        {
            if (k >= _env.MaxTrajectoryLength)
                throw new InvalidOperationException($"Environment '{_env.Name}' produced a backward trajectory longer than its MaxTrajectoryLength ({_env.MaxTrajectoryLength}).");
            var current = states.AsSpan(0, running * width);
            var acts = rows.Step(current, ids.AsSpan(0, running), policy, random, 0, out int first);
            var children = current.ToArray();
            _env.BackwardStep(current, acts);
            current.CopyTo(parentStates.Append(running * width));
            _env.ToForwardActions(children, acts, forwardActions.Append(running));

            // A trajectory ends when its new state has no parent (s0).
            var parentMasks = masks.AsSpan(0, running * backward);
            _env.BackwardMasks(current, parentMasks);
            var reachedOrigin = new bool[running];
            for (int r = 0; r < running; r++) reachedOrigin[r] = !HasParent(parentMasks.Slice(r * backward, backward));
            running = rows.EndStep(first, ids.AsSpan(0, running), current, (r, id) =>
            {
                lengths[id]++;
                return reachedOrigin[r];
            });
        }

        var parents = parentStates.ToArray();
        int count = rows.Count;
        var parentFeatures = new float[count * encoding];
        var parentForwardMasks = new bool[count * forward];
        if (count > 0)
        {
            _env.Encode(parents, parentFeatures);
            _env.ForwardMasks(parents, parentForwardMasks);
        }
        return new BackwardTrajectoryBatch(_env, size, rows.StepOffsets, rows.Trajectory, rows.States, rows.Features,
            rows.Masks, rows.LogProbabilities, rows.Actions, rows.Next, lengths, startStates.ToArray(),
            parents, parentFeatures, parentForwardMasks, forwardActions.ToArray());
    }

    private static bool HasParent(ReadOnlySpan<bool> mask) => mask.Contains(true);
}
