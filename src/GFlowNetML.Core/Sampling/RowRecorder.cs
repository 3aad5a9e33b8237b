using GFlowNetML.Environments;

namespace GFlowNetML.Sampling;

/// <summary>
/// The step-major row store both samplers fill: per step, the running trajectories' states, features, masks, policy
/// log-probabilities, drawn actions and owners, then the link of every row to its successor row.
/// </summary>
internal sealed class RowRecorder
{
    /// <summary>Writes the masks of a batch of states (<see cref="GFlowNetEnvironment.ForwardMasks"/> or
    /// <see cref="GFlowNetEnvironment.BackwardMasks"/>).</summary>
    public delegate void MaskWriter(ReadOnlySpan<int> states, Span<bool> masks);

    private readonly GFlowNetEnvironment _env;
    private readonly int _actions;
    private readonly MaskWriter _masks;
    private readonly List<int> _stepOffsets = [0];
    private readonly GrowableArray<int> _trajectory, _states, _actionsTaken, _next;
    private readonly GrowableArray<float> _features, _logProbabilities;
    private readonly GrowableArray<bool> _rowMasks;

    /// <param name="environment">The environment.</param>
    /// <param name="actions">The width of the action set (forward or backward).</param>
    /// <param name="masks">The mask writer of that action set.</param>
    /// <param name="expectedRows">A capacity hint.</param>
    public RowRecorder(GFlowNetEnvironment environment, int actions, MaskWriter masks, int expectedRows)
    {
        _env = environment;
        _actions = actions;
        _masks = masks;
        _trajectory = new(expectedRows);
        _states = new(expectedRows * environment.StateWidth);
        _actionsTaken = new(expectedRows);
        _next = new(expectedRows);
        _features = new(expectedRows * environment.EncodingWidth);
        _logProbabilities = new(expectedRows * actions);
        _rowMasks = new(expectedRows * actions);
    }

    /// <summary>The number of rows recorded.</summary>
    public int Count => _actionsTaken.Count;

    /// <summary>Records one step of the running trajectories and draws their actions from (1 − ε)·π + ε·uniform.</summary>
    /// <param name="states">The running trajectories' current states, <c>running · StateWidth</c>.</param>
    /// <param name="owners">Their trajectory ids.</param>
    /// <param name="policy">The policy over this recorder's action set.</param>
    /// <param name="random">The random source.</param>
    /// <param name="epsilon">The exploration probability.</param>
    /// <param name="first">Receives the index of the step's first row.</param>
    /// <returns>The drawn actions (valid until the next call).</returns>
    public Span<int> Step(ReadOnlySpan<int> states, ReadOnlySpan<int> owners, IPolicy policy, GFlowNetRandom random, double epsilon, out int first)
    {
        int running = owners.Length;
        first = Count;
        states.CopyTo(_states.Append(states.Length));
        var features = _features.Append(running * _env.EncodingWidth);
        _env.Encode(states, features);
        var masks = _rowMasks.Append(running * _actions);
        _masks(states, masks);
        var lp = _logProbabilities.Append(running * _actions);
        policy.LogProbabilities(features, masks, running, lp);
        owners.CopyTo(_trajectory.Append(running));
        _next.Append(running);
        var drawn = _actionsTaken.Append(running);
        for (int r = 0; r < running; r++)
            drawn[r] = TrajectorySampler.Draw(lp.Slice(r * _actions, _actions), masks.Slice(r * _actions, _actions), random, epsilon);
        return drawn;
    }

    /// <summary>Closes the step that began at row <paramref name="first"/>: links every row to its successor row (or −1
    /// where its trajectory ends), compacts the surviving trajectories' ids and states to the front, and returns how many
    /// survive.</summary>
    /// <param name="first">The step's first row.</param>
    /// <param name="ids">The running trajectories' ids (compacted in place).</param>
    /// <param name="states">Their states after the step, <c>ids.Length · StateWidth</c> (compacted in place).</param>
    /// <param name="ends">Whether the trajectory in running position r (with id) ended at this step; it may record
    /// what the caller keeps of ended trajectories.</param>
    public int EndStep(int first, Span<int> ids, Span<int> states, Func<int, int, bool> ends)
    {
        int width = _env.StateWidth, running = ids.Length, survivors = 0, nextFirst = first + running;
        for (int r = 0; r < running; r++)
        {
            int id = ids[r];
            if (ends(r, id))
            {
                _next.Set(first + r, -1);
                continue;
            }
            _next.Set(first + r, nextFirst + survivors);
            ids[survivors] = id;
            if (survivors != r) states.Slice(r * width, width).CopyTo(states.Slice(survivors * width, width));
            survivors++;
        }
        _stepOffsets.Add(Count);
        return survivors;
    }

    public int[] StepOffsets => _stepOffsets.ToArray();
    public int[] Trajectory => _trajectory.ToArray();
    public int[] States => _states.ToArray();
    public float[] Features => _features.ToArray();
    public bool[] Masks => _rowMasks.ToArray();
    public float[] LogProbabilities => _logProbabilities.ToArray();
    public int[] Actions => _actionsTaken.ToArray();
    public int[] Next => _next.ToArray();
}
