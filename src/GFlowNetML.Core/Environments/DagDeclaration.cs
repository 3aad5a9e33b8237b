using GFlowNetML.Parameters;

namespace GFlowNetML.Environments;

/// <summary>The structure-learning task's declared parameters (<see cref="DagEnvironment.Declaration"/>).</summary>
internal static class DagDeclaration
{
    private static readonly string[] Generator = ["edges", "samples", "noise", "data-seed"];

    public static readonly EnvironmentDeclaration Value = new("dag", "Bayesian-network structure learning with the BGe score (Deleu et al. 2022)",
    [
        ParameterDeclaration.Integer("nodes", 5, 1, DagEnvironment.MaxNodes, "the number of nodes d (with data: checked against the file's columns)"),
        ParameterDeclaration.Number("edges", 5, 0, double.PositiveInfinity, "the expected number of edges of the generating Erdős–Rényi graph (at most d(d-1)/2)"),
        ParameterDeclaration.Integer("samples", 100, 2, 10_000_000, "the number of generated samples"),
        ParameterDeclaration.Number("noise", 0.1, 0, double.PositiveInfinity, "the noise variance of the linear-Gaussian data", exclusiveMinimum: true),
        ParameterDeclaration.Seed("data-seed", "the seed of the generated graph and data"),
        ParameterDeclaration.Text("data", "FILE", "a CSV data matrix (a header of node names, one sample per row) instead of generated data", noDefault: "generated data"),
    ], Create);

    private static DagEnvironment Create(ParameterValues p)
    {
        if (p.Text("data") is string path)
        {
            if (Generator.Any(p.Has))
                throw new ParameterException("data", $"{string.Join(", ", Generator[..^1].Select(p.Spell))} and {p.Spell(Generator[^1])} shape the generated data; they cannot be used with {p.Spell("data")} FILE.");
            if (!File.Exists(path)) throw new ParameterException("data", $"{p.Spell("data")} '{path}' does not exist.");
            return DagEnvironment.FromCsv(path, nodes: p.Has("nodes") ? p.Int("nodes") : null);
        }
        int nodes = p.Int("nodes");
        double maxEdges = nodes * (nodes - 1) / 2.0;
        double edges = Math.Min(p.Double("edges"), maxEdges); // the default 5, capped at what d nodes can hold
        if (p.Has("edges") && p.Double("edges") > maxEdges)
            (p.Declaration("edges") with { Maximum = maxEdges }).Check(p.Text("edges")!, p.Spell("edges"));
        return DagEnvironment.FromLinearGaussian(nodes, edges, p.Int("samples"), p.Long("data-seed"), p.Double("noise"));
    }
}
