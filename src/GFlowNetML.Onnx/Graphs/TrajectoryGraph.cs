using GFlowNetML.Models;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.Graphs;

/// <summary>
/// The whole-trajectory sampler as one ONNX graph: a <c>Loop</c> of MaxTrajectoryLength trips over the batch with a
/// done-mask, each trip encoding the states, evaluating the policy, drawing an action by Gumbel-max
/// (<c>ArgMax(log π + G)</c>, G = −log(−log U) with U the <c>noise</c> input [T, N, A], so that sampling is reproducible
/// and no random op is needed) and stepping; it stops early once every trajectory has exited.
/// Outputs: the terminal states int64 [N, StateWidth], the sum of log π_F of the taken actions float [N], the
/// trajectory lengths int64 [N] (actions, exit included) and whether each trajectory exited, bool [N].
/// </summary>
internal static class TrajectoryGraph
{
    public const string Noise = "noise", TerminalStates = "terminal_states", LogProbability = "log_probability",
        Length = "length", Finished = "finished";

    /// <summary>The smallest and largest uniform the graph uses (U is clipped into (0, 1) so that G is finite).</summary>
    public const float MinUniform = 1e-7f, MaxUniform = 1 - 1.0f / (1 << 24);

    public static OnnxGraph Build(OnnxStepGraph step, PolicyWeights policy, int stateWidth, int steps)
    {
        int actions = policy.ActionCount;
        var g = new OnnxGraph("gflownetml_trajectories");
        PolicyGraph.AddWeights(g, policy);
        g.Input(Noise, OnnxType.Float, steps, "batch", actions);

        string batch = g.Node("Gather", [g.Node("Shape", [Noise]), g.Constant("batch_axis", [1L], 1)], null, OnnxAttribute.Int("axis", 0));
        string s0 = step.InitialStates(g, batch);
        string done0 = g.Node("ConstantOfShape", [batch], null, OnnxAttribute.Scalar("value", OnnxType.Bool, [0]));
        string logp0 = g.Node("ConstantOfShape", [batch], null, OnnxAttribute.Scalar("value", OnnxType.Float, BitConverter.GetBytes(0f)));
        string len0 = g.Node("ConstantOfShape", [batch], null, OnnxAttribute.Scalar("value", OnnxType.Int64, BitConverter.GetBytes(0L)));
        string trips = g.Constant("trips", [(long)steps]);
        string cond0 = g.Node("Cast", [g.Constant("true", [1L])], null, OnnxAttribute.Int("to", (long)OnnxType.Bool));

        var body = g.Subgraph("trajectory_step");
        string iter = body.Fresh("iteration"), condIn = body.Fresh("cond_in"), s = body.Fresh("states"), done = body.Fresh("done"),
            logp = body.Fresh("logp"), len = body.Fresh("length");
        body.Input(iter, OnnxType.Int64);
        body.Input(condIn, OnnxType.Bool);
        body.Input(s, OnnxType.Int64, null);
        body.Input(done, OnnxType.Bool, null);
        body.Input(logp, OnnxType.Float, null);
        body.Input(len, OnnxType.Int64, null);

        string u = body.Node("Gather", [Noise, iter], null, OnnxAttribute.Int("axis", 0));
        string clipped = body.Node("Clip", [u, body.Constant("u_min", [MinUniform]), body.Constant("u_max", [MaxUniform])]);
        string gumbel = body.Node("Neg", [body.Node("Log", [body.Node("Neg", [body.Node("Log", [clipped])])])]);
        string mask = step.ForwardMask(body, s);
        string lp = PolicyGraph.Emit(body, policy, step.Encode(body, s), mask);
        string scores = body.Node("Where", [mask, body.Node("Add", [lp, gumbel]), body.Constant("minus_infinity", [float.NegativeInfinity])]);
        string action = body.Node("ArgMax", [scores], null, OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
        string axis1 = body.Constant("axis1", [1L], 1);
        string chosen = body.Node("Squeeze", [body.Node("GatherElements", [lp, body.Node("Unsqueeze", [action, axis1])], null, OnnxAttribute.Int("axis", 1)), axis1]);
        string active = body.Node("Not", [done]);
        string logpOut = body.Node("Add", [logp, body.Node("Where", [active, chosen, body.Constant("zero", [0f])])]);
        string lenOut = body.Node("Add", [len, body.Node("Cast", [active], null, OnnxAttribute.Int("to", (long)OnnxType.Int64))]);
        string sOut = step.Step(body, s, action, active);
        string doneOut = body.Node("Or", [done, body.Node("Equal", [action, body.Constant("exit", [(long)(actions - 1)])])]);
        string lowest = body.Node("ReduceMin", [body.Node("Cast", [doneOut], null, OnnxAttribute.Int("to", (long)OnnxType.Float))], null, OnnxAttribute.Int("keepdims", 0));
        string condOut = body.Node("Less", [lowest, body.Constant("half", [0.5f])]);
        body.Output(condOut, OnnxType.Bool);
        body.Output(sOut, OnnxType.Int64, null);
        body.Output(doneOut, OnnxType.Bool, null);
        body.Output(logpOut, OnnxType.Float, null);
        body.Output(lenOut, OnnxType.Int64, null);

        g.NodeMulti("Loop", [trips, cond0, s0, done0, logp0, len0], [TerminalStates, Finished, LogProbability, Length], OnnxAttribute.Graph("body", body));
        g.Output(TerminalStates, OnnxType.Int64, "batch", stateWidth);
        g.Output(Finished, OnnxType.Bool, "batch");
        g.Output(LogProbability, OnnxType.Float, "batch");
        g.Output(Length, OnnxType.Int64, "batch");
        return g;
    }
}
