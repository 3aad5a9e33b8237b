using GFlowNetML.Environments;

namespace GFlowNetML.Cli;

/// <summary>
/// The environment options shared by <c>gflownet train</c> and <c>gflownet compare</c>: <c>--env</c>, <c>--ndim</c>,
/// <c>--height</c>, <c>--r0</c>, <c>--r1</c>, <c>--r2</c>, with their defaults, validation and messages.
/// </summary>
internal sealed class EnvironmentSettings
{
    /// <summary>The option names (without dashes), in the order they are read.</summary>
    public static readonly string[] OptionNames = ["env", "ndim", "height", "r0", "r1", "r2"];

    public string Env { get; set; } = "hypergrid";
    public int Ndim { get; set; } = 2;
    public int Height { get; set; } = 8;
    public double R0 { get; set; } = 0.01;
    public double R1 { get; set; } = 0.5;
    public double R2 { get; set; } = 2.0;

    /// <summary>Reads and validates each option on its own. The cross-option check (the width of the encoding) is
    /// <see cref="EnsureEncodable"/>, so that a command can run it after its other options, as <c>train</c> does.</summary>
    public static EnvironmentSettings Parse(ArgumentReader a)
    {
        var s = new EnvironmentSettings { Env = a.String("env", "hypergrid") };
        if (s.Env != "hypergrid") throw new UsageException($"--env must be one of: hypergrid; got '{s.Env}'.");
        s.Ndim = a.Int("ndim", 2, 1, 64);
        s.Height = a.Int("height", 8, 2, 1 << 20);
        s.R0 = a.Double("r0", 0.01, 0, exclusiveMin: true);
        s.R1 = a.Double("r1", 0.5, 0);
        s.R2 = a.Double("r2", 2.0, 0);
        return s;
    }

    /// <summary>Rejects grids whose K-hot encoding (ndim × height inputs) would be wider than 2^20.</summary>
    public void EnsureEncodable()
    {
        if ((long)Ndim * Height > 1 << 20)
            throw new UsageException($"--ndim × --height must be at most 1048576 (the width of the K-hot encoding); got {Ndim} × {Height}.");
    }

    /// <summary>A new environment with these settings.</summary>
    public GFlowNetEnvironment CreateEnvironment() => new HyperGrid(Ndim, Height, R0, R1, R2);
}
