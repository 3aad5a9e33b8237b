namespace GFlowNetML.Environments;

/// <summary>
/// The hyper-grid of Bengio et al. (2021): states are cells x ∈ {0..H−1}^D reached from the origin by "+1 on dimension d"
/// moves; the exit action is allowed everywhere. The reward is
/// R(x) = R0 + R1·∏_d 1[0.25 &lt; a_d] + R2·∏_d 1[0.3 &lt; a_d &lt; 0.4] with a_d = |x_d/(H−1) − ½|.
/// </summary>
/// <remarks>
/// The thresholds are tested in exact integer arithmetic (with m = |2x − (H−1)| and n = 2(H−1):
/// 4m &gt; n, 10m &gt; 3n and 10m &lt; 4n), because floating-point comparisons miscount the band cells for heights such as
/// 16, 21, 31 and 41. Features are K-hot: D blocks of H, one set bit per dimension.
/// </remarks>
public sealed class HyperGrid : GFlowNetEnvironment
{
    /// <summary>The largest number of cells for which <see cref="EnumerateStates"/> enumerates the grid.</summary>
    public const long MaxEnumeratedStates = 1 << 24;

    private readonly bool[] _outer;
    private readonly bool[] _band;
    private readonly double _logR0, _logOuter, _logBand;

    /// <summary>The largest D · H: the width of the K-hot encoding.</summary>
    public const int MaxEncodingWidth = 1 << 20;

    /// <summary>The declared parameters (<c>ndim</c>, <c>height</c>, <c>r0</c>, <c>r1</c>, <c>r2</c>) with their defaults
    /// and ranges, from which the catalog and the <c>gflownet</c> command build a hyper-grid.</summary>
    public static EnvironmentDeclaration Declaration => HyperGridDeclaration.Value;

    /// <summary>Creates a hyper-grid.</summary>
    /// <param name="ndim">The number of dimensions D (at least 1).</param>
    /// <param name="height">The side length H (at least 2).</param>
    /// <param name="r0">The base reward R0 (positive; the paper's default is 0.01).</param>
    /// <param name="r1">The outer-region bonus R1 (non-negative; default 0.5).</param>
    /// <param name="r2">The band bonus R2 (non-negative; default 2).</param>
    public HyperGrid(int ndim, int height, double r0 = 0.01, double r1 = 0.5, double r2 = 2.0)
    {
        if (ndim < 1) throw new ArgumentOutOfRangeException(nameof(ndim), ndim, "ndim must be at least 1.");
        if (height < 2) throw new ArgumentOutOfRangeException(nameof(height), height, "height must be at least 2.");
        if (!(r0 > 0) || double.IsInfinity(r0)) throw new ArgumentOutOfRangeException(nameof(r0), r0, "r0 must be a finite number greater than 0.");
        if (!(r1 >= 0) || double.IsInfinity(r1)) throw new ArgumentOutOfRangeException(nameof(r1), r1, "r1 must be a finite number of at least 0.");
        if (!(r2 >= 0) || double.IsInfinity(r2)) throw new ArgumentOutOfRangeException(nameof(r2), r2, "r2 must be a finite number of at least 0.");
        if ((long)ndim * height > MaxEncodingWidth) throw new ArgumentOutOfRangeException(nameof(ndim), ndim, "ndim · height must be at most 1048576 (the width of the K-hot encoding).");
        Dimensions = ndim;
        Height = height;
        R0 = r0; R1 = r1; R2 = r2;
        _outer = new bool[height];
        _band = new bool[height];
        long n = 2L * (height - 1);
        for (int x = 0; x < height; x++)
        {
            long m = Math.Abs(2L * x - (height - 1));
            _outer[x] = 4 * m > n;
            _band[x] = 10 * m > 3 * n && 10 * m < 4 * n;
        }
        OuterCellsPerDimension = _outer.Count(b => b);
        BandCellsPerDimension = _band.Count(b => b);
        _logR0 = Math.Log(r0);
        _logOuter = Math.Log(r0 + r1);
        _logBand = Math.Log(r0 + r1 + r2);
    }

    /// <summary>The number of dimensions D.</summary>
    public int Dimensions { get; }

    /// <summary>The side length H.</summary>
    public int Height { get; }

    /// <summary>The base reward R0.</summary>
    public double R0 { get; }

    /// <summary>The outer-region bonus R1.</summary>
    public double R1 { get; }

    /// <summary>The band bonus R2.</summary>
    public double R2 { get; }

    /// <summary>The number of coordinates per dimension with 0.25 &lt; |x/(H−1) − ½|.</summary>
    public int OuterCellsPerDimension { get; }

    /// <summary>The number of coordinates per dimension with 0.3 &lt; |x/(H−1) − ½| &lt; 0.4.</summary>
    public int BandCellsPerDimension { get; }

    /// <summary>The number of mode cells (R = R0 + R1 + R2): <c>BandCellsPerDimension^D</c>.</summary>
    public double ModeCount => Math.Pow(BandCellsPerDimension, Dimensions);

    /// <summary><see cref="ModeCount"/> as a whole number; <c>null</c> beyond 2^63 (only on astronomically large grids).</summary>
    public override long? TotalModes => ModeCount < 9.2e18 ? (long)ModeCount : null;

    /// <summary>The number of cells H^D.</summary>
    public double CellCount => Math.Pow(Height, Dimensions);

    /// <inheritdoc/>
    public override string Name => "hypergrid";

    /// <inheritdoc/>
    public override string Description => FormattableString.Invariant($"hypergrid(ndim={Dimensions}, height={Height}, r0={R0:R}, r1={R1:R}, r2={R2:R})");

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, string> Parameters => EnvironmentCatalog.Invariant(
        ("ndim", Dimensions), ("height", Height), ("r0", R0), ("r1", R1), ("r2", R2));

    /// <inheritdoc/>
    public override int StateWidth => Dimensions;

    /// <inheritdoc/>
    public override int ActionCount => Dimensions + 1;

    /// <inheritdoc/>
    public override int BackwardActionCount => Dimensions;

    /// <inheritdoc/>
    public override int EncodingWidth => Dimensions * Height;

    /// <inheritdoc/>
    public override int MaxTrajectoryLength => Dimensions * (Height - 1) + 1;

    /// <summary>The closed form log Z* = log(R0·H^D + R1·n_outer^D + R2·n_band^D), computed in log space.</summary>
    public override double? LogPartition
    {
        get
        {
            double a = Math.Log(R0) + Dimensions * Math.Log(Height);
            double b = R1 > 0 && OuterCellsPerDimension > 0 ? Math.Log(R1) + Dimensions * Math.Log(OuterCellsPerDimension) : double.NegativeInfinity;
            double c = R2 > 0 && BandCellsPerDimension > 0 ? Math.Log(R2) + Dimensions * Math.Log(BandCellsPerDimension) : double.NegativeInfinity;
            double max = Math.Max(a, Math.Max(b, c));
            return max + Math.Log(Math.Exp(a - max) + Math.Exp(b - max) + Math.Exp(c - max));
        }
    }

    /// <inheritdoc/>
    public override void WriteInitialState(Span<int> state) => state[..Dimensions].Clear();

    /// <inheritdoc/>
    public override void ForwardMasks(ReadOnlySpan<int> states, Span<bool> masks)
    {
        int batch = BatchOf(states), d = Dimensions, a = ActionCount, top = Height - 1;
        for (int i = 0; i < batch; i++)
        {
            for (int k = 0; k < d; k++) masks[i * a + k] = states[i * d + k] < top;
            masks[i * a + d] = true;
        }
    }

    /// <inheritdoc/>
    public override void BackwardMasks(ReadOnlySpan<int> states, Span<bool> masks)
    {
        int batch = BatchOf(states), d = Dimensions;
        for (int i = 0; i < batch * d; i++) masks[i] = states[i] > 0;
    }

    /// <inheritdoc/>
    public override void Step(Span<int> states, ReadOnlySpan<int> actions)
    {
        int batch = BatchOf(states), d = Dimensions;
        for (int i = 0; i < batch; i++)
        {
            int action = actions[i];
            if (action == d) continue;
            if ((uint)action > (uint)d || states[i * d + action] >= Height - 1)
                throw new ArgumentException($"Action {action} is not allowed in state {Format(states.Slice(i * d, d))}.", nameof(actions));
            states[i * d + action]++;
        }
    }

    /// <inheritdoc/>
    public override void BackwardStep(Span<int> states, ReadOnlySpan<int> backwardActions)
    {
        int batch = BatchOf(states), d = Dimensions;
        for (int i = 0; i < batch; i++)
        {
            int action = backwardActions[i];
            if ((uint)action >= (uint)d || states[i * d + action] <= 0)
                throw new ArgumentException($"Backward action {action} is not allowed in state {Format(states.Slice(i * d, d))}.", nameof(backwardActions));
            states[i * d + action]--;
        }
    }

    /// <inheritdoc/>
    public override void ToBackwardActions(ReadOnlySpan<int> parents, ReadOnlySpan<int> actions, Span<int> backwardActions)
        => actions[..BatchOf(parents)].CopyTo(backwardActions);

    /// <inheritdoc/>
    public override void ToForwardActions(ReadOnlySpan<int> children, ReadOnlySpan<int> backwardActions, Span<int> actions)
        => backwardActions[..BatchOf(children)].CopyTo(actions);

    /// <inheritdoc/>
    public override void Encode(ReadOnlySpan<int> states, Span<float> features)
    {
        int batch = BatchOf(states), d = Dimensions, width = EncodingWidth;
        features[..(batch * width)].Clear();
        for (int i = 0; i < batch; i++)
            for (int k = 0; k < d; k++)
                features[i * width + k * Height + states[i * d + k]] = 1f;
    }

    /// <inheritdoc/>
    public override void LogReward(ReadOnlySpan<int> states, Span<double> logRewards)
    {
        int batch = BatchOf(states), d = Dimensions;
        for (int i = 0; i < batch; i++)
        {
            bool outer = true, band = true;
            for (int k = 0; k < d; k++)
            {
                int x = states[i * d + k];
                outer &= _outer[x];
                band &= _band[x];
            }
            // The band lies inside the outer region (0.3 > 0.25), so a band cell earns both bonuses.
            logRewards[i] = band ? _logBand : outer ? _logOuter : _logR0;
        }
    }

    /// <summary>The reward R(x) of one cell (not in log space).</summary>
    public double Reward(ReadOnlySpan<int> cell)
    {
        if (cell.Length != Dimensions) throw new ArgumentException($"A cell has {Dimensions} coordinates; got {cell.Length}.", nameof(cell));
        bool outer = true, band = true;
        foreach (int x in cell)
        {
            if ((uint)x >= (uint)Height) throw new ArgumentOutOfRangeException(nameof(cell), x, $"Coordinates must lie in 0..{Height - 1}.");
            outer &= _outer[x];
            band &= _band[x];
        }
        return R0 + (outer ? R1 : 0) + (band ? R2 : 0);
    }

    /// <summary>Whether a cell earns only the base reward R0 (no bonus region with a positive bonus contains it).</summary>
    public bool IsBaseReward(ReadOnlySpan<int> cell) => Reward(cell) == R0;

    /// <summary>The guide of the paper for RL-G: <see cref="Guides.HyperGridGuide"/> (no exit where R = R0).</summary>
    public override Guides.GFlowNetGuide DefaultGuide => new Guides.HyperGridGuide(this);

    /// <summary>A mode is a cell with R(x) ≥ R0 + R1 + R2, i.e. every coordinate in the band.</summary>

    public override bool IsMode(ReadOnlySpan<int> state)
    {
        foreach (int x in state) if (!_band[x]) return false;
        return true;
    }

    /// <summary>Enumerates all H^D cells in mixed-radix order (dimension 0 fastest), which is topological: a "+1" move
    /// always increases the index. Returns <c>null</c> beyond <see cref="MaxEnumeratedStates"/> cells.</summary>
    public override int[]? EnumerateStates()
    {
        if (CellCount > MaxEnumeratedStates) return null;
        int count = (int)CellCount, d = Dimensions;
        var states = new int[count * d];
        for (int index = 0; index < count; index++)
        {
            int rest = index;
            for (int k = 0; k < d; k++) { states[index * d + k] = rest % Height; rest /= Height; }
        }
        return states;
    }
}
