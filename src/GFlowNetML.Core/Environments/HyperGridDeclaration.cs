using GFlowNetML.Parameters;

namespace GFlowNetML.Environments;

/// <summary>The hyper-grid's declared parameters (<see cref="HyperGrid.Declaration"/>).</summary>
internal static class HyperGridDeclaration
{
    public static readonly EnvironmentDeclaration Value = new("hypergrid", "the D-dimensional grid of side H with the band reward of Bengio et al. 2021",
    [
        ParameterDeclaration.Integer("ndim", 2, 1, 64, "the number of dimensions D"),
        ParameterDeclaration.Integer("height", 8, 2, HyperGrid.MaxEncodingWidth, "the side length H"),
        ParameterDeclaration.Number("r0", 0.01, 0, double.PositiveInfinity, "the base reward R0", exclusiveMinimum: true),
        ParameterDeclaration.Number("r1", 0.5, 0, double.PositiveInfinity, "the outer-region bonus R1"),
        ParameterDeclaration.Number("r2", 2, 0, double.PositiveInfinity, "the band bonus R2"),
    ], Create);

    private static HyperGrid Create(ParameterValues p)
    {
        int ndim = p.Int("ndim"), height = p.Int("height");
        if ((long)ndim * height > HyperGrid.MaxEncodingWidth)
            throw new ParameterException("ndim", $"{p.Spell("ndim")} × {p.Spell("height")} must be at most {HyperGrid.MaxEncodingWidth} (the width of the K-hot encoding); got {ndim} × {height}.");
        return new HyperGrid(ndim, height, p.Double("r0"), p.Double("r1"), p.Double("r2"));
    }
}
