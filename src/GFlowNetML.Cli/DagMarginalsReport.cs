using System.Globalization;
using System.Text.Json.Nodes;
using GFlowNetML.Environments;
using GFlowNetML.Torch.Training;
using Spectre.Console;

namespace GFlowNetML.Cli;

/// <summary>
/// The DAG task's extra report: the exact posterior's marginal edge probabilities P(i→j | D) next to the trained sampler's
/// (from its exact terminating distribution), their mean and largest absolute difference, printed and written to
/// metrics.json as <c>"edgeMarginals"</c>.
/// </summary>
internal static class DagMarginalsReport
{
    /// <summary>Prints the report and returns its metrics.json section, or null when the run is not on an enumerable DAG task.</summary>
    public static JsonObject? Write(IAnsiConsole console, GFlowNetTrainer trainer)
    {
        if (trainer.Environment is not DagEnvironment dag || trainer.StateSpace is not { } space) return null;
        int d = dag.Nodes;
        var posterior = DagEdgeMarginals.Compute(space, space.TargetDistribution);
        var sampler = DagEdgeMarginals.Compute(space, trainer.TerminatingDistribution());
        var difference = DagEdgeMarginals.Difference(d, posterior, sampler);

        var table = new Table().AddColumn("edge P(i→j): posterior / sampler");
        foreach (var name in dag.NodeNames) table.AddColumn(new TableColumn("→ " + Markup.Escape(name)).RightAligned());
        for (int i = 0; i < d; i++)
        {
            var cells = new List<string> { Markup.Escape(dag.NodeNames[i]) };
            for (int j = 0; j < d; j++)
                cells.Add(i == j ? "" : string.Create(CultureInfo.InvariantCulture, $"{posterior[i * d + j]:F3} / {sampler[i * d + j]:F3}"));
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"edge marginals: mean |posterior − sampler| {difference.MeanAbsolute:F4}, max {difference.MaxAbsolute:F4}"));

        return new JsonObject
        {
            ["nodes"] = new JsonArray(dag.NodeNames.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
            ["posterior"] = Matrix(posterior, d),
            ["sampler"] = Matrix(sampler, d),
            ["meanAbsoluteDifference"] = difference.MeanAbsolute,
            ["maxAbsoluteDifference"] = difference.MaxAbsolute,
        };
    }

    private static JsonArray Matrix(double[] values, int d)
        => new(Enumerable.Range(0, d).Select(i => (JsonNode?)new JsonArray(
            Enumerable.Range(0, d).Select(j => (JsonNode?)JsonValue.Create(values[i * d + j])).ToArray())).ToArray());
}
