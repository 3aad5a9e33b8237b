using System.Text.Json.Nodes;

namespace GFlowNetML.Cli.Tests;

/// <summary>
/// Every field of a checkpoint's header mutated to boundary and absurd values, with the checksum recomputed (so the file
/// passes the integrity check), then <c>train --resume</c>: never a crash and never a hang — each case ends within its time
/// bound with exit 0, 1 or 2 and at most one line on stderr.
/// </summary>
[TestClass]
public sealed class CheckpointFuzzTests
{
    /// <summary>The bound on one resume (a tiny run resumes in well under a second).</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static readonly string[] IntegerOptions =
    [
        "Iterations", "BatchSize", "EvalEvery", "EvalSamples", "TopK", "Threads", "ConjugateGradientIterations", "LineSearchSteps",
        "PolicyHiddenLayers", "PolicyHiddenWidth", "CriticHiddenLayers", "CriticHiddenWidth", "CheckpointEvery",
    ];

    private static readonly string[] NumberOptions =
    [
        "PolicyLearningRate", "LogZLearningRate", "CriticLearningRate", "Lambda", "BackwardLambda", "SubTrajectoryLambda",
        "TrustRegionDelta", "EpsilonStart", "EpsilonEnd", "EpsilonDecay", "LogRewardClamp",
    ];

    private static IEnumerable<(string Name, Action<JsonObject> Edit)> Mutations()
    {
        JsonObject Options(JsonObject h) => h["Options"]!.AsObject();
        foreach (var name in IntegerOptions)
            foreach (long value in new long[] { -1, 0, int.MaxValue, long.MaxValue })
                yield return ($"Options.{name} = {value}", h => Options(h)[name] = value);
        foreach (var name in NumberOptions)
            foreach (var value in new JsonNode?[] { -1, 0, 1e308, "NaN", "-Infinity", null })
                yield return ($"Options.{name} = {value?.ToJsonString() ?? "null"}", h => Options(h)[name] = value?.DeepClone());
        foreach (var value in new JsonNode?[] { "Bogus", 99, null })
            yield return ($"Options.Method = {value?.ToJsonString() ?? "null"}", h => Options(h)["Method"] = value?.DeepClone());
        foreach (var value in new JsonNode?[] { -1, long.MaxValue, null })
        {
            yield return ($"Iteration = {value?.ToJsonString() ?? "null"}", h => h["Iteration"] = value?.DeepClone());
            yield return ($"Trajectories = {value?.ToJsonString() ?? "null"}", h => h["Trajectories"] = value?.DeepClone());
        }
        foreach (var value in new JsonNode?[] { -1, 2, "NaN" })
            yield return ($"Epsilon = {value!.ToJsonString()}", h => h["Epsilon"] = value.DeepClone());
        foreach (var value in new JsonNode?[] { -1, "NaN", "Infinity" })
            yield return ($"Seconds = {value!.ToJsonString()}", h => h["Seconds"] = value.DeepClone());
        yield return ("SamplerRandom = []", h => h["SamplerRandom"] = new JsonArray());
        yield return ("SamplerRandom = [0,0,0,0]", h => h["SamplerRandom"] = new JsonArray(0, 0, 0, 0));
        yield return ("History = []", h => h["History"] = new JsonArray());
        yield return ("History = null", h => h["History"] = null);
        yield return ("History reversed", h => h["History"] = new JsonArray([.. h["History"]!.AsArray().Reverse().Select(e => e!.DeepClone())]));
        yield return ("ModesFound = [[-1]]", h => h["ModesFound"] = new JsonArray(new JsonArray(-1)));
        yield return ("ModesFound = [[1,2,3,4,5,6,7,8,9]]", h => h["ModesFound"] = new JsonArray(new JsonArray(1, 2, 3, 4, 5, 6, 7, 8, 9)));
        yield return ("OptimizerSteps = {}", h => h["OptimizerSteps"] = new JsonObject());
        yield return ("OptimizerSteps negative", h => { foreach (var key in h["OptimizerSteps"]!.AsObject().Select(kv => kv.Key).ToList()) h["OptimizerSteps"]![key] = -5; });
        yield return ("Environment = other", h => h["Environment"] = "hypergrid(ndim=2, height=5, r0=0.01, r1=0.5, r2=2)");
        yield return ("Options = null", h => h["Options"] = null);
    }

    [TestMethod]
    public void EveryHeaderFieldMutatedEndsInAnExitCodeAndOneLineWithinTheBound()
    {
        string root = CliHarness.TempDirectory();
        try
        {
            string pristine = Path.Combine(root, "pristine");
            var first = CliHarness.RunInProcess("train", "--env", "hypergrid", "--height", "4", "--method", "rl-u", "--iterations", "4",
                "--batch-size", "4", "--eval-every", "2", "--checkpoint-every", "2", "--out", pristine, "--hidden-width", "16", "--critic-width", "16");
            Assert.AreEqual(0, first.ExitCode, first.ToString());

            var failures = new List<string>();
            int cases = 0, refused = 0;
            foreach (var (name, edit) in Mutations())
            {
                cases++;
                string dir = Path.Combine(root, $"case{cases}");
                Directory.CreateDirectory(dir);
                foreach (var file in Directory.GetFiles(pristine)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
                CheckpointFile.EditHeader(CheckpointFile.PathIn(dir), edit);

                var run = Task.Run(() => CliHarness.RunInProcess("train", "--resume", dir, "--iterations", "6"));
                if (!run.Wait(Bound)) { failures.Add($"{name}: still running after {Bound.TotalSeconds} s"); break; }
                var result = run.Result;
                if (result.ExitCode is not (0 or 1 or 2)) failures.Add($"{name}: exit {result.ExitCode}");
                else if (result.ExitCode != 0 && result.ErrorLines.Length != 1) failures.Add($"{name}: {result.ErrorLines.Length} lines on stderr: {result.StdErr}");
                else if (result.ExitCode == 0 && result.StdErr.Length > 0) failures.Add($"{name}: exit 0 with stderr {result.StdErr}");
                if (result.ExitCode != 0) refused++;
                if (result.StdErr.Contains("unexpected", StringComparison.Ordinal)) failures.Add($"{name}: {result.ErrorLines[0]}");
            }
            Assert.IsEmpty(failures, string.Join("\n", failures));
            Assert.IsGreaterThan(100, cases);
            Assert.IsGreaterThan(cases / 2, refused, "most mutations are refused");
        }
        finally { CliHarness.DeleteQuietly(root); }
    }
}
