using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Onnx.Graphs;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.RowSampling;

/// <summary>
/// The fallback for an environment <see cref="OnnxStepGraph.For"/> does not know (a user's own) whose states can be
/// enumerated: the <see cref="EnumeratedStepGraph"/>, the state vectors as the float sample and the log-rewards of the
/// terminal states, all by table lookups.
/// </summary>
internal sealed class EnumeratedSamplingStep : SamplingStep
{
    private readonly GFlowNetEnvironment _env;
    private readonly EnumeratedStepGraph _graph;
    private readonly float[] _vectors, _logRewards;
    private readonly int _count;

    private EnumeratedSamplingStep(GFlowNetEnvironment env, StateSpace space)
    {
        _env = env;
        _graph = new EnumeratedStepGraph(space);
        _count = space.Count;
        _vectors = space.States.Select(v => (float)v).ToArray();
        _logRewards = new float[_count];
        for (int t = 0; t < space.Terminals.Length; t++) _logRewards[space.Terminals[t]] = (float)space.TerminalLogRewards[t];
    }

    /// <summary>The step, or null (with the reason) when the environment cannot be enumerated or its tables are too large.</summary>
    public static EnumeratedSamplingStep? TryCreate(GFlowNetEnvironment env, out string reason)
    {
        var space = StateSpace.TryEnumerate(env);
        if (space is null)
        {
            reason = "it cannot enumerate its states and has no tensor form of its step.";
            return null;
        }
        long entries = space.Count * (EnumeratedStepGraph.EntriesPerState(env) + env.StateWidth + 1);
        if (entries > MaxTableEntries)
        {
            reason = $"its {space.Count} states need {entries} table entries, more than {MaxTableEntries}.";
            return null;
        }
        reason = "";
        return new EnumeratedSamplingStep(env, space);
    }

    public override GFlowNetEnvironment Environment => _env;

    public override OnnxStepGraph StepGraph => _graph;

    public override bool SampleIsText => false;

    public override int SampleWidth => _env.StateWidth;

    public override string Sample(OnnxGraph g, string states)
        => EnumeratedStepGraph.Lookup(g, g.Once("state_vectors", () => g.Constant("state_vectors", _vectors, _count, _env.StateWidth)), states);

    public override string LogReward(OnnxGraph g, string states)
        => EnumeratedStepGraph.Lookup(g, g.Once("terminal_log_rewards", () => g.Constant("terminal_log_rewards", _logRewards, _count)), states);
}
