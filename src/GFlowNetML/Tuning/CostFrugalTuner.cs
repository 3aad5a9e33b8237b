namespace GFlowNetML.Tuning;

/// <summary>
/// Cost-frugal optimisation (CFO; Wu, Wang and Huang, "Frugal Optimization for Cost-related Hyperparameters", AAAI 2021), the
/// local search behind ML.NET's and FLAML's default tuner, on the unit cube of a <see cref="SearchSpace"/>. It starts at
/// the default point (the attributes' initial values, which sit at the cheap end of the options), with step size
/// 0.1·√d. Each move draws a random unit direction u and tries the incumbent + step·u, then, if that did not lower the
/// loss, the incumbent − step·u (points clamped to the cube). A lower loss moves the incumbent there and grows the step by
/// ×1.25 (at most √d; a gentle growth, since a random direction in d dimensions rarely points downhill at a long step);
/// after 2d consecutive trials without improvement the step halves; once it falls below 1e-4 the search
/// restarts from a uniformly random point with the initial step. Proposals depend only on the seed and the losses.
/// </summary>
/// <remarks>Trials are sequential: each <see cref="Update"/> answers the latest <see cref="Propose"/> (results of other
/// trials are ignored). A failed trial (loss +∞ or NaN) counts as a miss.</remarks>
public sealed class CostFrugalTuner : ITuner
{
    /// <summary>The initial step is this times √d.</summary>
    internal const double InitialStepFactor = 0.1;

    /// <summary>The step is multiplied by this on an improvement.</summary>
    internal const double Growth = 1.25;

    /// <summary>The search restarts once the step falls below this.</summary>
    internal const double MinimumStep = 1e-4;

    private readonly int _dimensions;
    private readonly Random _random;
    private readonly double _initialStep;
    private readonly double _maximumStep;
    private double[] _start;
    private double[]? _incumbent;
    private double[]? _direction;
    private bool _tryOpposite;
    private (int TrialId, double[] Point, bool Start)? _pending;

    /// <summary>A CFO tuner over <paramref name="searchSpace"/>, starting at its default point.</summary>
    /// <param name="searchSpace">The space the points belong to.</param>
    /// <param name="seed">The seed of the directions and of the restart points.</param>
    public CostFrugalTuner(SearchSpace searchSpace, int seed = 0)
        : this((searchSpace ?? throw new ArgumentNullException(nameof(searchSpace))).Default, seed)
    {
    }

    /// <summary>A CFO tuner on the unit cube of <paramref name="start"/>'s dimension, starting there (for tests).</summary>
    internal CostFrugalTuner(double[] start, int seed)
    {
        _dimensions = start.Length;
        _random = new Random(seed);
        _initialStep = InitialStepFactor * Math.Sqrt(_dimensions);
        _maximumStep = Math.Sqrt(_dimensions);
        StepSize = _initialStep;
        _start = start.Select(x => Math.Clamp(x, 0, 1)).ToArray();
    }

    /// <summary>The current step size.</summary>
    internal double StepSize { get; private set; }

    /// <summary>The incumbent point, or null before the first result (and right after a restart).</summary>
    internal IReadOnlyList<double>? Incumbent => _incumbent;

    /// <summary>The incumbent's loss (+∞ before the first result).</summary>
    internal double IncumbentLoss { get; private set; } = double.PositiveInfinity;

    /// <summary>Trials since the last improvement or step reduction.</summary>
    internal int ConsecutiveMisses { get; private set; }

    /// <summary>The number of restarts from a random point.</summary>
    internal int Restarts { get; private set; }

    /// <inheritdoc/>
    public double[] Propose(TrialSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        double[] point;
        bool start = _incumbent is null;
        if (start)
        {
            point = (double[])_start.Clone();
        }
        else
        {
            if (!_tryOpposite || _direction is null) _direction = RandomDirection();
            double sign = _tryOpposite ? -1 : 1;
            point = new double[_dimensions];
            for (int i = 0; i < _dimensions; i++) point[i] = Math.Clamp(_incumbent![i] + sign * StepSize * _direction[i], 0, 1);
        }
        _pending = (settings.TrialId, point, start);
        return (double[])point.Clone();
    }

    /// <inheritdoc/>
    public void Update(TrialResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (_pending is not { } pending || pending.TrialId != result.Settings.TrialId) return;
        _pending = null;
        double loss = double.IsNaN(result.Loss) ? double.PositiveInfinity : result.Loss;
        if (pending.Start)
        {
            _incumbent = pending.Point;
            IncumbentLoss = loss;
            _tryOpposite = false;
            return;
        }
        if (loss < IncumbentLoss)
        {
            _incumbent = pending.Point;
            IncumbentLoss = loss;
            StepSize = Math.Min(Growth * StepSize, _maximumStep);
            ConsecutiveMisses = 0;
            _tryOpposite = false;
            return;
        }
        _tryOpposite = !_tryOpposite; // after +u try −u; after −u a new direction
        if (++ConsecutiveMisses < 2 * _dimensions) return;
        ConsecutiveMisses = 0;
        StepSize /= 2;
        if (StepSize >= MinimumStep) return;
        // Converged locally: start over from a random point.
        Restarts++;
        StepSize = _initialStep;
        _start = Enumerable.Range(0, _dimensions).Select(_ => _random.NextDouble()).ToArray();
        _incumbent = null;
        IncumbentLoss = double.PositiveInfinity;
        _tryOpposite = false;
    }

    /// <summary>A direction uniform on the unit sphere (normalised Gaussian coordinates, by Box–Muller).</summary>
    private double[] RandomDirection()
    {
        var u = new double[_dimensions];
        double norm;
        do
        {
            for (int i = 0; i < _dimensions; i++)
                u[i] = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
            norm = Math.Sqrt(u.Sum(x => x * x));
        } while (_dimensions > 0 && norm < 1e-12);
        for (int i = 0; i < _dimensions; i++) u[i] /= norm;
        return u;
    }
}
