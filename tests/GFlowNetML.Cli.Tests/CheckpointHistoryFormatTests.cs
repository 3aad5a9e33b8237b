using System.Text.Json.Nodes;

namespace GFlowNetML.Cli.Tests;

/// <summary>
/// The checkpoint header's evaluation history is written in the one JSON form of an evaluation record (the names of
/// metrics.json: "loss", not "MeanLoss"), and a checkpoint written by the previous version, whose history records carry the
/// record's property names, still resumes to the same metrics.
/// </summary>
[TestClass]
public sealed class CheckpointHistoryFormatTests
{
    /// <summary>The previous version's name of each field of a history record.</summary>
    private static readonly (string Json, string Property)[] Legacy =
    [
        ("iteration", "Iteration"), ("trajectories", "Trajectories"), ("exactTotalVariation", "ExactTotalVariation"),
        ("jensenShannon", "JensenShannon"), ("logZ", "LogZ"), ("trueLogZ", "TrueLogZ"), ("modesFound", "ModesFound"),
        ("seconds", "Seconds"), ("sampled", "Sampled"), ("loss", "MeanLoss"), ("criticLoss", "MeanCriticLoss"),
    ];

    [TestMethod]
    public void HistoryIsWrittenInTheMetricsNamesAndThePropertyNamedFormStillResumesIdentically()
    {
        string root = CliHarness.TempDirectory();
        try
        {
            string pristine = Path.Combine(root, "pristine");
            var first = CliHarness.RunInProcess(["train", "--ndim", "2", "--height", "4", "--method", "rl-u", "--iterations", "10",
                "--batch-size", "8", "--eval-every", "5", "--checkpoint-every", "5", "--seed", "3", "--out", pristine, .. CliHarness.SmallNetworks]);
            Assert.AreEqual(0, first.ExitCode, first.ToString());

            JsonArray? history = null;
            CheckpointFile.EditHeader(CheckpointFile.PathIn(pristine), h => history = h["History"]!.DeepClone().AsArray());
            Assert.HasCount(3, history!);
            var record = history![0]!.AsObject();
            CollectionAssert.AreEqual(Legacy.Select(l => l.Json).Order(StringComparer.Ordinal).ToArray(),
                record.Select(kv => kv.Key).Order(StringComparer.Ordinal).ToArray(), record.ToJsonString());
            Assert.AreEqual("NaN", (string?)record["loss"], "no loss before the first iteration, written exactly as NaN");
            var metrics = Metrics.Read(pristine);
            for (int i = 1; i < 3; i++)
                Assert.AreEqual(Metrics.Number(metrics["history"]![i]!["loss"], $"history[{i}].loss"), (double)history[i]!["loss"]!);

            string current = Copy(pristine, Path.Combine(root, "current")), legacy = Copy(pristine, Path.Combine(root, "legacy"));
            CheckpointFile.EditHeader(CheckpointFile.PathIn(legacy), h =>
            {
                var records = new JsonArray();
                foreach (var r in h["History"]!.AsArray())
                    records.Add(new JsonObject(Legacy.Select(l => new KeyValuePair<string, JsonNode?>(l.Property, r![l.Json]?.DeepClone()))));
                h["History"] = records;
            }, version: 1);

            var resumed = CliHarness.RunInProcess("train", "--resume", current, "--iterations", "15");
            var resumedLegacy = CliHarness.RunInProcess("train", "--resume", legacy, "--iterations", "15");
            Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
            Assert.AreEqual(0, resumedLegacy.ExitCode, resumedLegacy.ToString());
            var expected = Metrics.Read(current);
            Assert.HasCount(4, expected["history"]!.AsArray());
            Metrics.AssertEqualExceptSeconds(expected, Metrics.Read(legacy), "resumed from the property-named history");
            Assert.AreEqual(Metrics.Number(metrics["history"]![2]!["loss"], "history[2].loss"),
                Metrics.Number(Metrics.Read(legacy)["history"]![2]!["loss"], "resumed history[2].loss"), "the old records' losses are read");
        }
        finally { CliHarness.DeleteQuietly(root); }
    }

    private static string Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        return to;
    }
}
