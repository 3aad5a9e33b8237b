using GFlowNetML.Environments;
using GFlowNetML.Models;
using GFlowNetML.Onnx.Forms;
using GFlowNetML.Onnx.Graphs;
using GFlowNetML.Onnx.Proto;
using GFlowNetML.Sampling;
using Microsoft.ML.OnnxRuntime;

namespace GFlowNetML.Onnx.Tests;

/// <summary>
/// An environment's <see cref="OnnxForm"/> (its step graph) alone in a small ONNX model on the CPU: inputs <c>states</c> int64
/// [N, StateWidth], <c>actions</c> int64 [N], <c>active</c> bool [N]; outputs the initial states of a batch of N, the
/// features, the forward masks, the stepped states and (with a policy) log π_F from the in-graph features and masks.
/// </summary>
internal sealed class StepGraphHarness : IDisposable
{
    private readonly InferenceSession _session;
    private readonly GFlowNetEnvironment _env;
    private readonly bool _policy;

    public StepGraphHarness(GFlowNetEnvironment env, PolicyWeights? policy = null)
    {
        _env = env;
        var step = OnnxForms.For(env) ?? throw new AssertFailedException($"{env.Name} has no step graph");
        var g = new OnnxGraph("step_graph_test");
        g.Input("states", OnnxType.Int64, "batch", env.StateWidth);
        g.Input("actions", OnnxType.Int64, "batch");
        g.Input("active", OnnxType.Bool, "batch");
        string batch = g.Node("Gather", [g.Node("Shape", ["states"]), g.Constant("batch_axis", [0L], 1)], null, OnnxAttribute.Int("axis", 0));
        g.Node("Identity", [step.InitialStates(g, batch)], "initial");
        string features = g.Node("Identity", [step.Encode(g, "states")], "features");
        string mask = g.Node("Identity", [step.ForwardMask(g, "states")], "mask");
        g.Node("Identity", [step.Step(g, "states", "actions", "active")], "next");
        g.Output("initial", OnnxType.Int64, "batch", env.StateWidth);
        g.Output("features", OnnxType.Float, "batch", env.EncodingWidth);
        g.Output("mask", OnnxType.Bool, "batch", env.ActionCount);
        g.Output("next", OnnxType.Int64, "batch", env.StateWidth);
        if (policy is not null)
        {
            PolicyGraph.AddWeights(g, policy);
            PolicyGraph.Emit(g, policy, features, mask, "log_probabilities");
            g.Output("log_probabilities", OnnxType.Float, "batch", env.ActionCount);
            _policy = true;
        }
        _session = OrtRuntime.OpenCpu(OnnxModelFile.Write(g, [], "step graph test"), new SamplerSessionOptions { Threads = 1 });
    }

    public sealed record Result(int[] Initial, float[] Features, bool[] Masks, int[] Next, float[]? LogProbabilities);

    public Result Run(ReadOnlySpan<int> states, ReadOnlySpan<int> actions, ReadOnlySpan<bool> active)
    {
        int rows = actions.Length, width = _env.StateWidth;
        Assert.AreEqual(rows * width, states.Length);
        var s = new long[states.Length];
        for (int i = 0; i < s.Length; i++) s[i] = states[i];
        var a = new long[rows];
        for (int i = 0; i < rows; i++) a[i] = actions[i];
        using var sv = OrtValue.CreateTensorValueFromMemory(s, [rows, width]);
        using var av = OrtValue.CreateTensorValueFromMemory(a, [rows]);
        using var activeValue = OrtValue.CreateTensorValueFromMemory(active.ToArray(), [rows]);
        string[] names = _policy ? ["initial", "features", "mask", "next", "log_probabilities"] : ["initial", "features", "mask", "next"];
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, ["states", "actions", "active"], [sv, av, activeValue], names);
        static int[] Ints(OrtValue v) => v.GetTensorDataAsSpan<long>().ToArray().Select(x => checked((int)x)).ToArray();
        return new Result(Ints(outputs[0]), outputs[1].GetTensorDataAsSpan<float>().ToArray(), outputs[2].GetTensorDataAsSpan<bool>().ToArray(),
            Ints(outputs[3]), _policy ? outputs[4].GetTensorDataAsSpan<float>().ToArray() : null);
    }

    public void Dispose() => _session.Dispose();

    /// <summary>Every state visited by <paramref name="trajectories"/> random trajectories (uniform over the allowed
    /// actions, s0 included), in visiting order.</summary>
    public static int[] ReachableStates(GFlowNetEnvironment env, int trajectories, long seed)
    {
        var random = new GFlowNetRandom(seed);
        int width = env.StateWidth, actions = env.ActionCount;
        var states = new List<int>();
        var state = new int[width];
        var mask = new bool[actions];
        for (int t = 0; t < trajectories; t++)
        {
            env.WriteInitialState(state);
            for (int step = 0; step < env.MaxTrajectoryLength; step++)
            {
                states.AddRange(state);
                env.ForwardMasks(state, mask);
                int a = RandomAllowed(mask, random);
                if (a == env.ExitAction) break;
                env.Step(state, [a]);
            }
        }
        return [.. states];
    }

    /// <summary>A uniform choice among the allowed actions of one mask.</summary>
    public static int RandomAllowed(ReadOnlySpan<bool> mask, GFlowNetRandom random)
    {
        int allowed = 0;
        foreach (bool m in mask) if (m) allowed++;
        Assert.IsGreaterThan(0, allowed, "a state without an allowed action");
        int pick = random.NextInt(allowed);
        for (int a = 0; a < mask.Length; a++)
            if (mask[a] && pick-- == 0) return a;
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>A policy whose layers are uniform in ±<paramref name="scale"/>/√fan-in: logits of order
    /// <paramref name="scale"/>, so that its distribution is far from uniform but not degenerate.</summary>
    public static PolicyWeights RandomPolicy(GFlowNetEnvironment env, int hiddenLayers, int hiddenWidth, long seed, double scale = 2.5)
    {
        var random = new GFlowNetRandom(seed);
        var sizes = new List<int> { env.EncodingWidth };
        for (int l = 0; l < hiddenLayers; l++) sizes.Add(hiddenWidth);
        sizes.Add(env.ActionCount);
        var arrays = new List<float[]>();
        for (int l = 0; l + 1 < sizes.Count; l++)
        {
            double bound = scale / Math.Sqrt(sizes[l]);
            arrays.Add(Enumerable.Range(0, sizes[l] * sizes[l + 1]).Select(_ => (float)((random.NextDouble() * 2 - 1) * bound)).ToArray());
            arrays.Add(Enumerable.Range(0, sizes[l + 1]).Select(_ => (float)((random.NextDouble() * 2 - 1) * 0.5)).ToArray());
        }
        return PolicyWeights.FromArrays(sizes, arrays);
    }
}
