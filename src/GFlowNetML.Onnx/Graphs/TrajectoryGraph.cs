using GFlowNetML.Models;
using GFlowNetML.Onnx.Forms;
using GFlowNetML.Onnx.Proto;

namespace GFlowNetML.Onnx.Graphs;

/// <summary>
/// The one whole-trajectory sampler as ONNX: from an int64 row seed per trajectory, an ONNX <c>Loop</c> of at most
/// MaxTrajectoryLength trips over the batch with a done-mask, each trip encoding the states, evaluating the policy,
/// drawing an action by Gumbel-max (<c>ArgMax(log π + G)</c>, G = −log(−log U) with U the trip's uniforms of
/// <see cref="TrajectoryRandom"/>, generated inside the graph) and stepping; it stops early once every trajectory has exited.
/// The sampler model's session form (<see cref="SamplerModel"/>) and the ML.NET row sampler (<see cref="RowSamplerGraph"/>)
/// are this graph with different outputs, so both draw the same objects for the same row seeds.
/// </summary>
internal static class TrajectoryGraph
{
    /// <summary>The names of the session form's input and outputs.</summary>
    public const string Seed = "seed", TerminalStates = "terminal_states", LogProbability = "log_probability",
        Length = "length", Finished = "finished";

    /// <summary>The loop's results: terminal states int64 [N, StateWidth], the sum of log π_F of the taken actions float [N],
    /// the trajectory lengths int64 [N] (actions, exit included) and whether each trajectory exited, bool [N].</summary>
    public sealed record Outputs(string States, string LogProbability, string Length, string Finished);

    /// <summary>Adds the sampler to <paramref name="g"/> for the row seeds <paramref name="seeds"/> (int64, any shape with
    /// N elements); the policy's weights become initializers of <paramref name="g"/>.</summary>
    public static Outputs Add(OnnxGraph g, OnnxForm step, PolicyWeights policy, string seeds, int steps)
    {
        int actions = policy.ActionCount;
        PolicyGraph.AddWeights(g, policy);
        string flat = g.Node("Reshape", [seeds, g.Constant("flat", [-1L], 1)]);
        string batch = g.Node("Shape", [flat]);
        string s0 = step.InitialStates(g, batch);
        string x0 = Generator(g, flat);
        string done0 = g.Node("ConstantOfShape", [batch], null, OnnxAttribute.Scalar("value", OnnxType.Bool, [0]));
        string logp0 = g.Node("ConstantOfShape", [batch], null, OnnxAttribute.Scalar("value", OnnxType.Float, BitConverter.GetBytes(0f)));
        string len0 = g.Node("ConstantOfShape", [batch], null, OnnxAttribute.Scalar("value", OnnxType.Int64, BitConverter.GetBytes(0L)));
        string trips = g.Constant("trips", [(long)steps]);
        string cond0 = g.Node("Cast", [g.Constant("true", [1L])], null, OnnxAttribute.Int("to", (long)OnnxType.Bool));

        var body = g.Subgraph("trajectory_step");
        string iter = body.Fresh("iteration"), condIn = body.Fresh("cond_in"), s = body.Fresh("states"), done = body.Fresh("done"),
            logp = body.Fresh("logp"), len = body.Fresh("length"), x = body.Fresh("generator");
        body.Input(iter, OnnxType.Int64);
        body.Input(condIn, OnnxType.Bool);
        body.Input(s, OnnxType.Int64, null);
        body.Input(done, OnnxType.Bool, null);
        body.Input(logp, OnnxType.Float, null);
        body.Input(len, OnnxType.Int64, null);
        body.Input(x, OnnxType.Int64, null);

        // One uniform per action: x·m^(a+1) mod p / p, then x ← x·m^A mod p (TrajectoryRandom.NextStep).
        string axis1 = body.Constant("axis1", [1L], 1);
        string modulus = body.Constant("modulus", [TrajectoryRandom.Modulus]);
        string draws = body.Node("Mod", [body.Node("Mul", [body.Node("Unsqueeze", [x, axis1]), body.Constant("multipliers", TrajectoryRandom.Multipliers(actions), actions)]), modulus]);
        string xOut = body.Node("Gather", [draws, body.Constant("last_draw", [(long)(actions - 1)])], null, OnnxAttribute.Int("axis", 1));
        string u = body.Node("Div", [body.Node("Cast", [draws], null, OnnxAttribute.Int("to", (long)OnnxType.Float)), body.Constant("modulus_f", [(float)TrajectoryRandom.Modulus])]);
        string clipped = body.Node("Clip", [u, body.Constant("u_min", [TrajectoryRandom.MinUniform]), body.Constant("u_max", [TrajectoryRandom.MaxUniform])]);
        string gumbel = body.Node("Neg", [body.Node("Log", [body.Node("Neg", [body.Node("Log", [clipped])])])]);
        string mask = step.ForwardMask(body, s);
        string lp = PolicyGraph.Emit(body, policy, step.Encode(body, s), mask);
        string scores = body.Node("Where", [mask, body.Node("Add", [lp, gumbel]), body.Constant("minus_infinity", [float.NegativeInfinity])]);
        string action = body.Node("ArgMax", [scores], null, OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
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
        body.Output(xOut, OnnxType.Int64, null);

        var outputs = new Outputs(g.Fresh("terminal_states"), g.Fresh("log_probability"), g.Fresh("length"), g.Fresh("finished"));
        g.NodeMulti("Loop", [trips, cond0, s0, done0, logp0, len0, x0], [outputs.States, outputs.Finished, outputs.LogProbability, outputs.Length, g.Fresh("generator_out")],
            OnnxAttribute.Graph("body", body));
        return outputs;
    }

    /// <summary>The session form: input <see cref="Seed"/> int64 [batch, 1], outputs <see cref="TerminalStates"/>,
    /// <see cref="LogProbability"/>, <see cref="Length"/> and <see cref="Finished"/>.</summary>
    public static OnnxGraph Build(OnnxForm step, PolicyWeights policy, int stateWidth, int steps)
    {
        var g = new OnnxGraph("gflownetml_trajectories");
        g.Input(Seed, OnnxType.Int64, "batch", 1L);
        var outputs = Add(g, step, policy, Seed, steps);
        g.Node("Identity", [outputs.States], TerminalStates);
        g.Node("Identity", [outputs.Finished], Finished);
        g.Node("Identity", [outputs.LogProbability], LogProbability);
        g.Node("Identity", [outputs.Length], Length);
        g.Output(TerminalStates, OnnxType.Int64, "batch", stateWidth);
        g.Output(Finished, OnnxType.Bool, "batch");
        g.Output(LogProbability, OnnxType.Float, "batch");
        g.Output(Length, OnnxType.Int64, "batch");
        return g;
    }

    /// <summary>The generator's first state int64 [N] from the row seeds, in [1, p − 1] (the constructor of
    /// <see cref="TrajectoryRandom"/>).</summary>
    private static string Generator(OnnxGraph g, string seeds)
    {
        string m = g.Constant("modulus", [TrajectoryRandom.Modulus]);
        string h = g.Node("Mod", [seeds, m]);
        for (int round = 0; round < 3; round++)
        {
            string a = g.Node("Add", [h, g.Constant("mix", [TrajectoryRandom.Mixing[2 * round]])]);
            string b = g.Node("Add", [h, g.Constant("mix", [TrajectoryRandom.Mixing[2 * round + 1]])]);
            h = g.Node("Mod", [g.Node("Mul", [a, b]), m]);
        }
        return g.Node("Add", [g.Node("Mod", [h, g.Constant("modulus_minus_one", [TrajectoryRandom.Modulus - 1])]), g.Constant("one", [1L])]);
    }
}
