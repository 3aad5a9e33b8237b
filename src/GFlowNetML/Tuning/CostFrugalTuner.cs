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
/// <remarks>
/// <para>Proposed one at a time (each <see cref="Update"/> before the next <see cref="Propose"/>), it is the sequential
/// search above. Proposed in rounds (several <see cref="Propose"/> calls before their results, as
/// <see cref="GFlowNetExperiment.SetTrialsPerRound"/> does for concurrent trials), the round's points pair each random
/// direction with its opposite around the same incumbent (incumbent + step·u₁, − step·u₁, + step·u₂, …; the first round
/// starts with the default point and steps around it), and the results, told in trial order, move the incumbent and the
/// step by the same rules; a new round starts with a new direction. Results of trials it did not propose are ignored.
/// A failed trial (loss +∞ or NaN) counts as a miss.</para>
/// <para>With initial points (<see cref="GFlowNetExperiment.SetInitialPoints(IReadOnlyDictionary{string, object}[])"/>) the
/// experiment evaluates them first and then starts the search at the best of them (the lowest finite loss, the earliest on
/// a tie) instead of the default point, which is then not tried unless it is one of them; when none of them succeeded the
/// search starts at the default point as usual.</para>
/// </remarks>
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
    private bool _inRound;
    private readonly List<(int TrialId, double[] Point, bool Start, int Sign)> _pending = [];

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

    /// <summary>Warm start (the experiment's initial points): the search starts at <paramref name="point"/>, whose trial
    /// ended with the finite <paramref name="loss"/>, as if it had been the default point's trial: the next proposal steps
    /// around it with the initial step. Called before the tuner's first proposal.</summary>
    internal void StartFrom(IReadOnlyList<double> point, double loss)
    {
        if (point.Count != _dimensions || !double.IsFinite(loss)) return;
        _start = point.Select(x => Math.Clamp(x, 0, 1)).ToArray();
        _incumbent = (double[])_start.Clone();
        IncumbentLoss = loss;
        _tryOpposite = false;
    }

    /// <inheritdoc/>
    public double[] Propose(TrialSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        double[] point;
        int sign = 0;
        bool start = _incumbent is null && !_pending.Any(p => p.Start);
        if (start)
        {
            point = (double[])_start.Clone();
        }
        else
        {
            double[] centre = _incumbent ?? _pending.First(p => p.Start).Point;
            if (_pending.Count == 0)
            {
                // One at a time: +u, then (after a miss) −u, then a new direction.
                if (!_tryOpposite || _direction is null) _direction = RandomDirection();
                sign = _tryOpposite ? -1 : 1;
            }
            else
            {
                // Within a round: the opposite of the round's last direction, else a new one.
                _inRound = true;
                if (_pending[^1].Sign > 0 && _direction is not null) sign = -1;
                else
                {
                    _direction = RandomDirection();
                    sign = 1;
                }
            }
            point = new double[_dimensions];
            for (int i = 0; i < _dimensions; i++) point[i] = Math.Clamp(centre[i] + sign * StepSize * _direction![i], 0, 1);
        }
        _pending.Add((settings.TrialId, point, start, sign));
        return (double[])point.Clone();
    }

    /// <inheritdoc/>
    public void Update(TrialResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        int index = _pending.FindIndex(p => p.TrialId == result.Settings.TrialId);
        if (index < 0) return;
        var pending = _pending[index];
        _pending.RemoveAt(index);
        Apply(pending.Point, pending.Start, result.Loss);
        if (_pending.Count == 0 && _inRound)
        {
            _inRound = false;
            _tryOpposite = false; // the next round starts with a new direction
        }
    }

    private void Apply(double[] point, bool start, double result)
    {
        double loss = double.IsNaN(result) ? double.PositiveInfinity : result;
        if (start)
        {
            _incumbent = point;
            IncumbentLoss = loss;
            _tryOpposite = false;
            return;
        }
        if (loss < IncumbentLoss)
        {
            _incumbent = point;
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
